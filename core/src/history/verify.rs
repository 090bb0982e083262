//! Verifying a chain of history entries (SPEC.md 5.12) and writing new ones.

use std::collections::HashMap;
use std::fmt;

use super::entry::{HistoryAction, HistoryEntry, parse_history_entry};
use super::{HASH_LEN, HistoryPin, MAX_HISTORY_ENTRIES};
use crate::account::Keyring;
use crate::identity::{DIGEST_LEN, IdentityPublicKey};
use crate::lifecycle::{EPOCH_COUNTER_BITS, epoch_generation, generation_epoch};
use crate::{AlbumId, Error, Result};

/// One identity's membership: from the entry that added it up to (not including) the
/// entry that removed it.
#[derive(Clone)]
struct Membership {
    key: IdentityPublicKey,
    digest: [u8; DIGEST_LEN],
    from: u64,
    until: Option<u64>,
}

/// A chain of history entries that verified (SPEC.md 5.12): it starts with a genesis signed
/// by the trusted owner, every entry links to the one before, and every entry was signed
/// by a member allowed to make it, with the epoch rules of 5.6. It answers who the members
/// were and what the epoch was at any of its entries.
#[derive(Clone)]
pub struct VerifiedHistory {
    album_id: AlbumId,
    owner: IdentityPublicKey,
    /// `(hash, epoch after the entry)` per sequence number.
    entries: Vec<([u8; HASH_LEN], u64)>,
    index: HashMap<[u8; HASH_LEN], u64>,
    memberships: Vec<Membership>,
    /// Digest of each current member → its open membership in `memberships`.
    current: HashMap<[u8; DIGEST_LEN], usize>,
}

/// What a checked entry changes, applied only once every rule passed.
enum Change {
    Add(Box<IdentityPublicKey>),
    Remove([u8; DIGEST_LEN]),
    Epoch,
}

/// Verifies a chain of history entries for album `album_id`, created by `owner` (an
/// identity the user checked out of band, by its fingerprint), against this device's `pin`
/// if it keeps one (SPEC.md 5.12). Checks, in order: the chain's length; the genesis (its
/// album, its owner, its signature, its epoch); then each entry in turn (form, album, link,
/// author a member, signature, permission, epoch); then the pin.
///
/// # Errors
/// [`Error::MalformedHistoryEntry`] (also for an empty chain) and the other errors of
/// [`parse_history_entry`]; [`Error::TooLarge`] past [`MAX_HISTORY_ENTRIES`];
/// [`Error::HistoryWrongAlbum`]; [`Error::HistoryWrongOwner`];
/// [`Error::HistoryBrokenLink`]; [`Error::HistoryNotMember`];
/// [`Error::HistoryBadSignature`]; [`Error::HistoryNotAllowed`];
/// [`Error::HistoryBadEpoch`]; for the pin, [`Error::HistoryRollback`] and
/// [`Error::HistoryFork`].
pub fn verify_history<E: AsRef<[u8]>>(
    entries: &[E],
    album_id: AlbumId,
    owner: &IdentityPublicKey,
    pin: Option<&HistoryPin>,
) -> Result<VerifiedHistory> {
    if entries.len() > MAX_HISTORY_ENTRIES {
        return Err(Error::TooLarge {
            what: "album history entries",
            len: entries.len() as u64,
            max: MAX_HISTORY_ENTRIES as u64,
        });
    }
    let (genesis, rest) = entries.split_first().ok_or(Error::MalformedHistoryEntry {
        reason: "empty chain",
    })?;
    let mut history = VerifiedHistory::genesis(genesis.as_ref(), album_id, owner)?;
    for entry in rest {
        history.extend(entry.as_ref())?;
    }
    if let Some(pin) = pin {
        history.check_pin(pin)?;
    }
    Ok(history)
}

impl VerifiedHistory {
    fn genesis(bytes: &[u8], album_id: AlbumId, owner: &IdentityPublicKey) -> Result<Self> {
        let entry = parse_history_entry(bytes)?;
        if entry.album_id != album_id {
            return Err(Error::HistoryWrongAlbum);
        }
        let HistoryAction::Genesis(first) = &entry.action else {
            return Err(Error::HistoryBrokenLink { seq: 0 });
        };
        if first.digest() != owner.digest() {
            return Err(Error::HistoryWrongOwner);
        }
        if !entry.signature_verifies(owner) {
            return Err(Error::HistoryBadSignature { seq: 0 });
        }
        if entry.epoch != generation_epoch(epoch_generation(entry.epoch)) {
            return Err(Error::HistoryBadEpoch { seq: 0 });
        }
        let digest = owner.digest();
        Ok(Self {
            album_id,
            owner: owner.clone(),
            entries: vec![(entry.hash, entry.epoch)],
            index: HashMap::from([(entry.hash, 0)]),
            memberships: vec![Membership {
                key: owner.clone(),
                digest,
                from: 0,
                until: None,
            }],
            current: HashMap::from([(digest, 0)]),
        })
    }

    /// Verifies one more entry on top of this chain and appends it (SPEC.md 5.12's per-entry
    /// checks, in order). On error the history is unchanged.
    ///
    /// # Errors
    /// As [`verify_history`], bar the pin.
    pub fn extend(&mut self, bytes: &[u8]) -> Result<()> {
        let entry = parse_history_entry(bytes)?;
        let change = self.check(&entry)?;
        let seq = entry.seq;
        match change {
            Change::Add(key) => {
                let digest = key.digest();
                self.current.insert(digest, self.memberships.len());
                self.memberships.push(Membership {
                    key: *key,
                    digest,
                    from: seq,
                    until: None,
                });
            }
            Change::Remove(digest) => {
                if let Some(at) = self.current.remove(&digest) {
                    self.memberships[at].until = Some(seq);
                }
            }
            Change::Epoch => {}
        }
        self.entries.push((entry.hash, entry.epoch));
        self.index.insert(entry.hash, seq);
        Ok(())
    }

    /// The rules for `entry` as the next one, without changing anything.
    fn check(&self, entry: &HistoryEntry) -> Result<Change> {
        let seq = self.entries.len() as u64;
        if self.entries.len() >= MAX_HISTORY_ENTRIES {
            return Err(Error::TooLarge {
                what: "album history entries",
                len: seq + 1,
                max: MAX_HISTORY_ENTRIES as u64,
            });
        }
        if entry.album_id != self.album_id {
            return Err(Error::HistoryWrongAlbum);
        }
        let (head, epoch) = self.head_entry();
        if entry.seq != seq || entry.prev != head {
            return Err(Error::HistoryBrokenLink { seq });
        }
        let author = self
            .current
            .get(&entry.author)
            .map(|at| &self.memberships[*at].key)
            .ok_or(Error::HistoryNotMember { seq })?;
        if !entry.signature_verifies(author) {
            return Err(Error::HistoryBadSignature { seq });
        }
        let owner = self.owner.digest();
        if entry.author != owner {
            return Err(Error::HistoryNotAllowed { seq });
        }
        let next = entry.epoch;
        let (change, epoch_ok) = match &entry.action {
            HistoryAction::Genesis(_) => return Err(Error::HistoryNotAllowed { seq }),
            HistoryAction::AddMember(key) => {
                if self.current.contains_key(&key.digest()) {
                    return Err(Error::HistoryNotAllowed { seq });
                }
                (Change::Add(Box::new(key.clone())), next == epoch)
            }
            HistoryAction::RemoveMember(digest) => {
                if *digest == owner || !self.current.contains_key(digest) {
                    return Err(Error::HistoryNotAllowed { seq });
                }
                (Change::Remove(*digest), removal_epoch_ok(epoch, next))
            }
            HistoryAction::EpochMove => (Change::Epoch, epoch_move_ok(epoch, next)),
        };
        if !epoch_ok {
            return Err(Error::HistoryBadEpoch { seq });
        }
        Ok(change)
    }

    /// Checks this device's pin (SPEC.md 5.12): the pinned entry must be in this chain, at
    /// its sequence number, with its hash.
    ///
    /// # Errors
    /// [`Error::HistoryWrongAlbum`] for another album's pin; [`Error::HistoryRollback`] if
    /// the chain ends before the pinned entry; [`Error::HistoryFork`] if it holds another
    /// entry there.
    pub fn check_pin(&self, pin: &HistoryPin) -> Result<()> {
        if pin.album_id != self.album_id {
            return Err(Error::HistoryWrongAlbum);
        }
        let (head_seq, _) = self.head();
        let at = usize::try_from(pin.seq)
            .ok()
            .and_then(|i| self.entries.get(i))
            .ok_or(Error::HistoryRollback {
                seen: pin.seq,
                offered: head_seq,
            })?;
        if at.0 != pin.hash {
            return Err(Error::HistoryFork { seq: pin.seq });
        }
        Ok(())
    }

    fn head_entry(&self) -> ([u8; HASH_LEN], u64) {
        *self
            .entries
            .last()
            .expect("a verified history holds its genesis")
    }

    /// The album.
    pub fn album_id(&self) -> AlbumId {
        self.album_id
    }

    /// The album's owner (the genesis's author).
    pub fn owner(&self) -> &IdentityPublicKey {
        &self.owner
    }

    /// The newest entry: its sequence number and hash.
    pub fn head(&self) -> (u64, [u8; HASH_LEN]) {
        ((self.entries.len() - 1) as u64, self.head_entry().0)
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Always false: a verified history holds at least its genesis.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The pin to keep after this verification: the album and the head.
    pub fn pin(&self) -> HistoryPin {
        let (seq, hash) = self.head();
        HistoryPin {
            album_id: self.album_id,
            seq,
            hash,
        }
    }

    /// The epoch after the newest entry: what new items are sealed under.
    pub fn current_epoch(&self) -> u64 {
        self.head_entry().1
    }

    /// The hash of the entry at `seq`, if the chain reaches it.
    pub fn hash_at(&self, seq: u64) -> Option<[u8; HASH_LEN]> {
        let at = usize::try_from(seq).ok()?;
        self.entries.get(at).map(|e| e.0)
    }

    /// The sequence number of the entry with this hash.
    ///
    /// # Errors
    /// [`Error::HistoryUnknownEntry`] if no entry of this chain has it.
    pub fn seq_of(&self, hash: &[u8; HASH_LEN]) -> Result<u64> {
        self.index
            .get(hash)
            .copied()
            .ok_or(Error::HistoryUnknownEntry)
    }

    /// The album's epoch after the entry `hash`.
    ///
    /// # Errors
    /// [`Error::HistoryUnknownEntry`].
    pub fn epoch_at(&self, hash: &[u8; HASH_LEN]) -> Result<u64> {
        let seq = self.seq_of(hash)?;
        Ok(self.entries[seq as usize].1)
    }

    /// Whether `epoch` was the album's epoch after some entry up to and including `hash`.
    ///
    /// # Errors
    /// [`Error::HistoryUnknownEntry`].
    pub fn epoch_known_at(&self, epoch: u64, hash: &[u8; HASH_LEN]) -> Result<bool> {
        let seq = self.seq_of(hash)? as usize;
        Ok(self.entries[..=seq].iter().any(|e| e.1 == epoch))
    }

    fn memberships_at(&self, seq: u64) -> impl Iterator<Item = &Membership> {
        self.memberships
            .iter()
            .filter(move |m| m.from <= seq && m.until.is_none_or(|until| seq < until))
    }

    /// The members (identity public keys, in the order they were added) after the entry
    /// `hash`.
    ///
    /// # Errors
    /// [`Error::HistoryUnknownEntry`].
    pub fn members_at(&self, hash: &[u8; HASH_LEN]) -> Result<Vec<IdentityPublicKey>> {
        let seq = self.seq_of(hash)?;
        Ok(self.memberships_at(seq).map(|m| m.key.clone()).collect())
    }

    /// The members' identity digests after the entry `hash`.
    ///
    /// # Errors
    /// [`Error::HistoryUnknownEntry`].
    pub fn member_digests_at(&self, hash: &[u8; HASH_LEN]) -> Result<Vec<[u8; DIGEST_LEN]>> {
        let seq = self.seq_of(hash)?;
        Ok(self.memberships_at(seq).map(|m| m.digest).collect())
    }

    /// Whether the identity with digest `member` was a member after the entry `hash`.
    ///
    /// # Errors
    /// [`Error::HistoryUnknownEntry`].
    pub fn is_member_at(&self, hash: &[u8; HASH_LEN], member: &[u8; DIGEST_LEN]) -> Result<bool> {
        let seq = self.seq_of(hash)?;
        Ok(self.memberships_at(seq).any(|m| &m.digest == member))
    }

    /// The current members (after the head).
    pub fn current_members(&self) -> Vec<IdentityPublicKey> {
        let (seq, _) = self.head();
        self.memberships_at(seq).map(|m| m.key.clone()).collect()
    }
}

/// SPEC.md 5.6 as a check: a removal moves `epoch` to `max(epoch, g << 32) + 1` for a
/// generation `g` at least `epoch`'s, never past the `g`'s counter.
/// An epoch move (SPEC.md 5.12): to a later generation's first epoch (the owner's account
/// rotated), or to the next counter value of the same generation (the owner re-keys the
/// album with no membership change, e.g. to revoke a link, 5.13).
fn epoch_move_ok(epoch: u64, next: u64) -> bool {
    let rotated = next == generation_epoch(epoch_generation(next))
        && epoch_generation(next) > epoch_generation(epoch);
    let counter = epoch_generation(next) == epoch_generation(epoch)
        && epoch.checked_add(1) == Some(next)
        && next & ((1 << EPOCH_COUNTER_BITS) - 1) != 0;
    rotated || counter
}

fn removal_epoch_ok(epoch: u64, next: u64) -> bool {
    let generation = epoch_generation(next);
    generation >= epoch_generation(epoch)
        && epoch.max(generation_epoch(generation)).checked_add(1) == Some(next)
        && next & ((1 << EPOCH_COUNTER_BITS) - 1) != 0
}

impl fmt::Debug for VerifiedHistory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (seq, hash) = self.head();
        f.debug_struct("VerifiedHistory")
            .field("album_id", &self.album_id)
            .field("owner", &self.owner)
            .field("head_seq", &seq)
            .field("head_hash", &const_hex::encode(&hash[..8]))
            .field("current_epoch", &self.current_epoch())
            .field("members", &self.current.len())
            .finish()
    }
}

impl Keyring {
    /// Creates the history of a new album owned by this account: its genesis entry, with
    /// this identity as owner and first member and the current epoch
    /// ([`Keyring::current_epoch`]). Store the entry; verify it with [`verify_history`] and
    /// this identity as owner.
    ///
    /// # Errors
    /// None in practice; the entry is parsed back before it is returned.
    pub fn create_album_history(&self, album_id: AlbumId) -> Result<Vec<u8>> {
        let identity = self.identity_secret();
        HistoryEntry::signed(
            identity,
            album_id,
            0,
            [0; HASH_LEN],
            self.current_epoch(),
            HistoryAction::Genesis(identity.public_key().clone()),
        )
    }

    /// Signs the next entry of `history` (an album this account owns): a member added, a
    /// member removed (the epoch moves to `max(epoch, current epoch) + 1`, as
    /// [`Keyring::remove_member`] does), or an epoch move: to this keyring's current epoch
    /// after a rotation, otherwise to the next epoch of the same generation (a re-key with
    /// no membership change, as a revoked link needs; grant the new epoch's key to the
    /// members with [`Keyring::grant_album`]). The entry is checked by the same rules a verifier applies before it
    /// is returned; append it with [`VerifiedHistory::extend`].
    ///
    /// # Errors
    /// [`Error::HistoryNotAllowed`] if this account is not the owner, for a genesis, for
    /// adding a member or removing a non-member or the owner;
    /// [`Error::UnknownGeneration`] if the history's epoch is of a newer generation than
    /// this keyring's; [`Error::TooLarge`] after 2^32 - 1 removals and moves in one generation or past
    /// [`MAX_HISTORY_ENTRIES`].
    pub fn append_history(
        &self,
        history: &VerifiedHistory,
        action: HistoryAction,
    ) -> Result<Vec<u8>> {
        let (head_seq, head) = history.head();
        let seq = head_seq + 1;
        let epoch = history.current_epoch();
        if epoch_generation(epoch) > self.generation() {
            return Err(Error::UnknownGeneration {
                generation: epoch_generation(epoch),
                current: self.generation(),
            });
        }
        let next = match &action {
            HistoryAction::Genesis(_) => return Err(Error::HistoryNotAllowed { seq }),
            HistoryAction::AddMember(_) => epoch,
            HistoryAction::RemoveMember(_) => {
                let next = epoch.max(self.current_epoch()) + 1;
                if epoch_generation(next) != self.generation() {
                    return Err(Error::TooLarge {
                        what: "member removals in one generation",
                        len: 1 << EPOCH_COUNTER_BITS,
                        max: (1 << EPOCH_COUNTER_BITS) - 1,
                    });
                }
                next
            }
            HistoryAction::EpochMove if self.current_epoch() > epoch => self.current_epoch(),
            HistoryAction::EpochMove => {
                let next = epoch + 1;
                if epoch_generation(next) != self.generation() {
                    return Err(Error::TooLarge {
                        what: "epoch moves in one generation",
                        len: 1 << EPOCH_COUNTER_BITS,
                        max: (1 << EPOCH_COUNTER_BITS) - 1,
                    });
                }
                next
            }
        };
        let bytes = HistoryEntry::signed(
            self.identity_secret(),
            history.album_id,
            seq,
            head,
            next,
            action,
        )?;
        history.check(&parse_history_entry(&bytes)?)?;
        Ok(bytes)
    }
}
