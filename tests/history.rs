//! Album history (SPEC.md 5.12): a chain of create, add Bob, add Carol, remove Bob (epoch
//! move), owner rotation; and every refusal by name: broken, reordered, dropped and
//! duplicated entries, forged signatures, entries by non-members, removed members and
//! members who may not make them, epochs going backwards, forks and rollbacks against a
//! pin, every truncation and every flipped byte of an entry.

#![allow(clippy::unwrap_used, clippy::panic)]

use keepsake::account::Keyring;
use keepsake::history::{
    ACTION_ADD_MEMBER, ACTION_EPOCH_MOVE, ACTION_REMOVE_MEMBER, HISTORY_ENTRY_MAX_LEN,
    HISTORY_PIN_LEN, HistoryAction, HistoryPin, VerifiedHistory, history_entry_hash,
    history_entry_len, history_head_fingerprint, parse_history_entry, verify_history,
};
use keepsake::identity::IdentityPublicKey;
use keepsake::{AlbumId, Error, hazmat};
use keepsake_tests::array;
use keepsake_tests::history::RawEntry;

const ALBUM: AlbumId = AlbumId::from_bytes([0xA1; 16]);

/// Identity seeds: Alice (the owner), Bob, Carol, Eve (never a member).
const ALICE: u8 = 2;
const BOB: u8 = 12;
const CAROL: u8 = 22;
const EVE: u8 = 32;

fn seed(who: u8) -> [u8; 32] {
    array(who)
}

/// A keyring of generation `generation` for the identity `who`.
fn keyring(who: u8, generation: u8) -> Keyring {
    let roots: Vec<[u8; 32]> = (0..=generation).map(|g| array(who + 100 + g)).collect();
    hazmat::keyring_from_secrets(&roots, seed(who))
}

fn public(who: u8) -> IdentityPublicKey {
    keyring(who, 0).identity_public_key()
}

fn digest(who: u8) -> [u8; 32] {
    public(who).digest()
}

/// The five entries of the scenario and the verified history of each prefix's end.
struct Chain {
    entries: Vec<Vec<u8>>,
    history: VerifiedHistory,
}

fn chain() -> Chain {
    let alice = keyring(ALICE, 0);
    let mut entries = vec![alice.create_album_history(ALBUM).unwrap()];
    let mut history = verify_history(&entries, ALBUM, &public(ALICE), None).unwrap();
    for action in [
        HistoryAction::AddMember(public(BOB)),
        HistoryAction::AddMember(public(CAROL)),
        HistoryAction::RemoveMember(digest(BOB)),
    ] {
        let entry = alice.append_history(&history, action).unwrap();
        history.extend(&entry).unwrap();
        entries.push(entry);
    }
    // Alice's account rotates to generation 1; the album follows.
    let rotated = keyring(ALICE, 1);
    let entry = rotated
        .append_history(&history, HistoryAction::EpochMove)
        .unwrap();
    history.extend(&entry).unwrap();
    entries.push(entry);
    Chain { entries, history }
}

fn verify(entries: &[Vec<u8>]) -> Result<VerifiedHistory, Error> {
    verify_history(entries, ALBUM, &public(ALICE), None)
}

/// The next entry after `entries`, with fields chosen by the test and signed by `who`.
fn forge(entries: &[Vec<u8>], who: u8, action: u8, subject: Vec<u8>, epoch: u64) -> Vec<u8> {
    let last = entries.last().unwrap();
    RawEntry {
        album: *ALBUM.as_bytes(),
        seq: entries.len() as u64,
        prev: history_entry_hash(last),
        epoch,
        author: digest(who),
        action,
        subject,
    }
    .sign(&seed(who))
}

#[test]
fn the_scenario_verifies_with_members_and_epochs_at_every_entry() {
    let Chain { entries, history } = chain();
    assert_eq!(history.len(), 5);
    let hashes: Vec<[u8; 32]> = entries.iter().map(|e| history_entry_hash(e)).collect();
    assert_eq!(history.head(), (4, hashes[4]));
    let epochs: Vec<u64> = hashes
        .iter()
        .map(|h| history.epoch_at(h).unwrap())
        .collect();
    assert_eq!(epochs, [0, 0, 0, 1, 1 << 32]);
    let members = |at: usize| history.member_digests_at(&hashes[at]).unwrap();
    assert_eq!(members(0), [digest(ALICE)]);
    assert_eq!(members(1), [digest(ALICE), digest(BOB)]);
    assert_eq!(members(2), [digest(ALICE), digest(BOB), digest(CAROL)]);
    assert_eq!(members(3), [digest(ALICE), digest(CAROL)]);
    assert_eq!(members(4), [digest(ALICE), digest(CAROL)]);
    assert_eq!(
        history.members_at(&hashes[2]).unwrap(),
        [public(ALICE), public(BOB), public(CAROL)]
    );
    assert!(history.is_member_at(&hashes[2], &digest(BOB)).unwrap());
    assert!(!history.is_member_at(&hashes[3], &digest(BOB)).unwrap());
    assert_eq!(history.current_members(), [public(ALICE), public(CAROL)]);
    assert_eq!(history.current_epoch(), 1 << 32);
    assert_eq!(history.owner(), &public(ALICE));
    assert!(matches!(
        history.epoch_at(&[7; 32]),
        Err(Error::HistoryUnknownEntry)
    ));
    // The whole chain verified at once equals the one built entry by entry.
    let again = verify(&entries).unwrap();
    assert_eq!(again.head(), history.head());
    assert_eq!(history_head_fingerprint(&again).len(), 35);
    // Every entry parses to what it says.
    let removal = parse_history_entry(&entries[3]).unwrap();
    assert_eq!(removal.action(), &HistoryAction::RemoveMember(digest(BOB)));
    assert_eq!(removal.author(), &digest(ALICE));
    assert_eq!(removal.prev(), &hashes[2]);
    assert_eq!(entries[1].len(), HISTORY_ENTRY_MAX_LEN);
    assert_eq!(
        entries[3].len(),
        history_entry_len(ACTION_REMOVE_MEMBER).unwrap()
    );
    assert_eq!(
        entries[4].len(),
        history_entry_len(ACTION_EPOCH_MOVE).unwrap()
    );
}

#[test]
fn a_removed_member_can_be_added_again() {
    let Chain {
        entries,
        mut history,
    } = chain();
    let alice = keyring(ALICE, 1);
    let entry = alice
        .append_history(&history, HistoryAction::AddMember(public(BOB)))
        .unwrap();
    history.extend(&entry).unwrap();
    let hashes: Vec<[u8; 32]> = entries.iter().map(|e| history_entry_hash(e)).collect();
    assert!(!history.is_member_at(&hashes[4], &digest(BOB)).unwrap());
    assert!(
        history
            .is_member_at(&history.head().1, &digest(BOB))
            .unwrap()
    );
    assert!(history.is_member_at(&hashes[1], &digest(BOB)).unwrap());
}

#[test]
fn broken_link_is_refused() {
    let Chain { mut entries, .. } = chain();
    let mut raw = RawEntry::parse(&entries[2]);
    raw.prev[0] ^= 1;
    entries[2] = raw.sign(&seed(ALICE));
    assert!(matches!(
        verify(&entries),
        Err(Error::HistoryBrokenLink { seq: 2 })
    ));
}

#[test]
fn reordered_entries_are_refused() {
    let Chain { mut entries, .. } = chain();
    entries.swap(1, 2);
    assert!(matches!(
        verify(&entries),
        Err(Error::HistoryBrokenLink { seq: 1 })
    ));
}

#[test]
fn a_dropped_entry_is_refused() {
    let Chain { mut entries, .. } = chain();
    entries.remove(2);
    assert!(matches!(
        verify(&entries),
        Err(Error::HistoryBrokenLink { seq: 2 })
    ));
    // Even with sequence numbers and links rewritten, only the owner could re-sign them:
    // a server that drops Carol's addition cannot re-link Bob's removal.
    let Chain { entries, .. } = chain();
    let mut raw = RawEntry::parse(&entries[3]);
    raw.seq = 2;
    raw.prev = history_entry_hash(&entries[1]);
    let mut forged = entries[3].clone();
    let body_len = forged.len() - 64;
    forged[..body_len].copy_from_slice(&raw.body());
    let shortened = vec![entries[0].clone(), entries[1].clone(), forged];
    assert!(matches!(
        verify(&shortened),
        Err(Error::HistoryBadSignature { seq: 2 })
    ));
}

#[test]
fn a_duplicated_entry_is_refused() {
    let Chain { mut entries, .. } = chain();
    entries.insert(2, entries[1].clone());
    assert!(matches!(
        verify(&entries),
        Err(Error::HistoryBrokenLink { seq: 2 })
    ));
}

#[test]
fn a_forged_signature_is_refused() {
    let Chain { mut entries, .. } = chain();
    let last = entries[3].len() - 1;
    entries[3][last] ^= 0x01;
    assert!(matches!(
        verify(&entries),
        Err(Error::HistoryBadSignature { seq: 3 })
    ));
    // Eve signs as Alice: the entry names Alice, Eve's signature does not verify.
    let Chain { entries, .. } = chain();
    let mut raw = RawEntry::parse(&entries[2]);
    raw.subject = public(EVE).to_bytes();
    let forged = raw.sign(&seed(EVE));
    let mut entries = entries[..2].to_vec();
    entries.push(forged);
    assert!(matches!(
        verify(&entries),
        Err(Error::HistoryBadSignature { seq: 2 })
    ));
}

#[test]
fn an_entry_by_a_non_member_is_refused() {
    let Chain { entries, .. } = chain();
    let mut entries = entries[..3].to_vec();
    entries.push(forge(
        &entries,
        EVE,
        ACTION_ADD_MEMBER,
        public(EVE).to_bytes(),
        0,
    ));
    assert!(matches!(
        verify(&entries),
        Err(Error::HistoryNotMember { seq: 3 })
    ));
}

#[test]
fn an_entry_by_a_removed_member_is_refused() {
    let Chain { entries, .. } = chain();
    let mut entries = entries[..4].to_vec();
    // Bob, removed at entry 3, removes Carol at entry 4.
    entries.push(forge(
        &entries,
        BOB,
        ACTION_REMOVE_MEMBER,
        digest(CAROL).to_vec(),
        2,
    ));
    assert!(matches!(
        verify(&entries),
        Err(Error::HistoryNotMember { seq: 4 })
    ));
}

#[test]
fn a_member_who_is_not_the_owner_may_not_remove_or_add() {
    let Chain { entries, .. } = chain();
    let prefix = entries[..3].to_vec();
    let mut removal = prefix.clone();
    removal.push(forge(
        &prefix,
        BOB,
        ACTION_REMOVE_MEMBER,
        digest(CAROL).to_vec(),
        1,
    ));
    assert!(matches!(
        verify(&removal),
        Err(Error::HistoryNotAllowed { seq: 3 })
    ));
    let mut addition = prefix.clone();
    addition.push(forge(
        &prefix,
        BOB,
        ACTION_ADD_MEMBER,
        public(EVE).to_bytes(),
        0,
    ));
    assert!(matches!(
        verify(&addition),
        Err(Error::HistoryNotAllowed { seq: 3 })
    ));
    // Through the API: Bob's keyring is not the owner's.
    let history = verify(&prefix).unwrap();
    assert!(matches!(
        keyring(BOB, 0).append_history(&history, HistoryAction::RemoveMember(digest(CAROL))),
        Err(Error::HistoryNotAllowed { seq: 3 })
    ));
}

#[test]
fn the_owner_may_not_remove_itself_or_a_non_member_nor_add_a_member_twice() {
    let Chain { entries, .. } = chain();
    let history = verify(&entries[..3]).unwrap();
    let alice = keyring(ALICE, 0);
    for action in [
        HistoryAction::RemoveMember(digest(ALICE)),
        HistoryAction::RemoveMember(digest(EVE)),
        HistoryAction::AddMember(public(CAROL)),
        HistoryAction::Genesis(public(ALICE)),
    ] {
        assert!(matches!(
            alice.append_history(&history, action),
            Err(Error::HistoryNotAllowed { seq: 3 })
        ));
    }
    let prefix = entries[..3].to_vec();
    let mut twice = prefix.clone();
    twice.push(forge(
        &prefix,
        ALICE,
        ACTION_ADD_MEMBER,
        public(BOB).to_bytes(),
        0,
    ));
    assert!(matches!(
        verify(&twice),
        Err(Error::HistoryNotAllowed { seq: 3 })
    ));
}

#[test]
fn an_epoch_going_backwards_or_skipping_is_refused() {
    let Chain { entries, .. } = chain();
    let prefix = entries[..3].to_vec();
    // A removal that keeps the epoch, skips a counter value, or lands on a generation start.
    for epoch in [0, 2, 1 << 32] {
        let mut bad = prefix.clone();
        bad.push(forge(
            &prefix,
            ALICE,
            ACTION_REMOVE_MEMBER,
            digest(BOB).to_vec(),
            epoch,
        ));
        assert!(
            matches!(verify(&bad), Err(Error::HistoryBadEpoch { seq: 3 })),
            "epoch {epoch}"
        );
    }
    // After the rotation (epoch 2^32), a removal may not go back to generation 0.
    let mut back = entries.clone();
    back.push(forge(
        &entries,
        ALICE,
        ACTION_REMOVE_MEMBER,
        digest(CAROL).to_vec(),
        2,
    ));
    assert!(matches!(
        verify(&back),
        Err(Error::HistoryBadEpoch { seq: 5 })
    ));
    // An epoch move to the same epoch or an older generation, skipping a counter value, or
    // into a later generation but not at its start.
    for epoch in [1 << 32, 1, (1 << 32) + 2, (2 << 32) + 1] {
        let mut bad = entries.clone();
        bad.push(forge(&entries, ALICE, ACTION_EPOCH_MOVE, Vec::new(), epoch));
        assert!(
            matches!(verify(&bad), Err(Error::HistoryBadEpoch { seq: 5 })),
            "epoch {epoch}"
        );
    }
    // An addition that changes the epoch.
    let mut bad = prefix.clone();
    bad.push(forge(
        &prefix,
        ALICE,
        ACTION_ADD_MEMBER,
        public(EVE).to_bytes(),
        1,
    ));
    assert!(matches!(
        verify(&bad),
        Err(Error::HistoryBadEpoch { seq: 3 })
    ));
    // A removal after a rotation not yet recorded jumps to the new generation: allowed.
    let history = verify(&prefix).unwrap();
    let entry = keyring(ALICE, 1)
        .append_history(&history, HistoryAction::RemoveMember(digest(BOB)))
        .unwrap();
    assert_eq!(parse_history_entry(&entry).unwrap().epoch(), (1 << 32) + 1);
    // An epoch move with no rotation since the last one moves to the next counter value
    // (a re-key with no membership change, SPEC.md 5.12), and verifies.
    let history = verify(&entries).unwrap();
    let moved = keyring(ALICE, 1)
        .append_history(&history, HistoryAction::EpochMove)
        .unwrap();
    assert_eq!(parse_history_entry(&moved).unwrap().epoch(), (1 << 32) + 1);
    let mut longer = entries.clone();
    longer.push(moved);
    assert_eq!(verify(&longer).unwrap().current_epoch(), (1 << 32) + 1);
    // A stale keyring (generation 0) cannot write after the move to generation 1.
    assert!(matches!(
        keyring(ALICE, 0).append_history(&history, HistoryAction::AddMember(public(EVE))),
        Err(Error::UnknownGeneration {
            generation: 1,
            current: 0
        })
    ));
}

#[test]
fn the_genesis_must_be_the_expected_owners() {
    let Chain { entries, .. } = chain();
    assert!(matches!(
        verify_history(&entries, ALBUM, &public(BOB), None),
        Err(Error::HistoryWrongOwner)
    ));
    assert!(matches!(
        verify_history(&entries, AlbumId::from_bytes([9; 16]), &public(ALICE), None),
        Err(Error::HistoryWrongAlbum)
    ));
    // Bob's own album history is not Alice's, even when it names Alice's album id.
    let bobs = keyring(BOB, 0).create_album_history(ALBUM).unwrap();
    assert!(matches!(
        verify_history(&[bobs], ALBUM, &public(ALICE), None),
        Err(Error::HistoryWrongOwner)
    ));
    // A chain that does not start with a genesis.
    assert!(matches!(
        verify(&entries[1..]),
        Err(Error::HistoryBrokenLink { seq: 0 })
    ));
    assert!(matches!(
        verify(&[] as &[Vec<u8>]),
        Err(Error::MalformedHistoryEntry {
            reason: "empty chain"
        })
    ));
    // A genesis whose epoch is not a generation's first.
    let mut raw = RawEntry::parse(&entries[0]);
    raw.epoch = 1;
    assert!(matches!(
        verify(&[raw.sign(&seed(ALICE))]),
        Err(Error::HistoryBadEpoch { seq: 0 })
    ));
}

#[test]
fn an_entry_for_another_album_is_refused() {
    let Chain { mut entries, .. } = chain();
    let mut raw = RawEntry::parse(&entries[1]);
    raw.album = [9; 16];
    entries[1] = raw.sign(&seed(ALICE));
    assert!(matches!(verify(&entries), Err(Error::HistoryWrongAlbum)));
}

/// Two chains that agree up to entry 2 and differ at entry 3: Bob removed in one, Carol in
/// the other (what a server shows Carol and Bob respectively).
fn forked() -> (Vec<Vec<u8>>, Vec<Vec<u8>>) {
    let Chain { entries, .. } = chain();
    let prefix = entries[..3].to_vec();
    let history = verify(&prefix).unwrap();
    let other = keyring(ALICE, 0)
        .append_history(&history, HistoryAction::RemoveMember(digest(CAROL)))
        .unwrap();
    let mut b = prefix;
    b.push(other);
    (entries[..4].to_vec(), b)
}

#[test]
fn a_fork_against_the_pin_is_refused() {
    let (a, b) = forked();
    let pin = verify(&a).unwrap().pin();
    assert_eq!(pin.seq, 3);
    assert!(matches!(
        verify_history(&b, ALBUM, &public(ALICE), Some(&pin)),
        Err(Error::HistoryFork { seq: 3 })
    ));
    verify_history(&a, ALBUM, &public(ALICE), Some(&pin)).unwrap();
    // Both chains verify alone: the fork shows in the heads' fingerprints, at one seq.
    let (ha, hb) = (verify(&a).unwrap(), verify(&b).unwrap());
    assert_eq!(ha.head().0, hb.head().0);
    assert_ne!(history_head_fingerprint(&ha), history_head_fingerprint(&hb));
    // A newer chain that extends the pinned one passes the pin.
    let Chain { entries, .. } = chain();
    verify_history(&entries, ALBUM, &public(ALICE), Some(&pin)).unwrap();
}

#[test]
fn a_rollback_against_the_pin_is_refused() {
    let Chain { entries, history } = chain();
    let pin = history.pin();
    assert!(matches!(
        verify_history(&entries[..3], ALBUM, &public(ALICE), Some(&pin)),
        Err(Error::HistoryRollback {
            seen: 4,
            offered: 2
        })
    ));
    // Without a pin, a stale prefix verifies: what a client cannot detect alone.
    assert_eq!(verify(&entries[..3]).unwrap().head().0, 2);
    // A pin of another album.
    let other = HistoryPin {
        album_id: AlbumId::from_bytes([9; 16]),
        ..pin
    };
    assert!(matches!(
        verify_history(&entries, ALBUM, &public(ALICE), Some(&other)),
        Err(Error::HistoryWrongAlbum)
    ));
}

#[test]
fn pins_round_trip_and_refuse_other_lengths() {
    let pin = chain().history.pin();
    let bytes = pin.to_bytes();
    assert_eq!(bytes.len(), HISTORY_PIN_LEN);
    assert_eq!(HistoryPin::from_slice(&bytes).unwrap(), pin);
    assert!(matches!(
        HistoryPin::from_slice(&bytes[1..]),
        Err(Error::InvalidLength {
            expected: 56,
            got: 55,
            ..
        })
    ));
}

#[test]
fn a_chain_longer_than_the_cap_is_refused_before_reading_it() {
    let huge = vec![Vec::<u8>::new(); keepsake::history::MAX_HISTORY_ENTRIES + 1];
    assert!(matches!(verify(&huge), Err(Error::TooLarge { .. })));
}

#[test]
fn parser_rules_in_order() {
    let Chain { entries, .. } = chain();
    let add = &entries[1];
    let with = |at: usize, value: u8| {
        let mut e = add.clone();
        e[at] = value;
        e
    };
    let reason = |bytes: &[u8]| match parse_history_entry(bytes) {
        Err(Error::MalformedHistoryEntry { reason }) => reason,
        other => panic!("expected MalformedHistoryEntry, got {other:?}"),
    };
    assert_eq!(reason(&with(0, b'X')), "not a history entry (magic)");
    assert!(matches!(
        parse_history_entry(&with(4, 2)),
        Err(Error::UnsupportedVersion(2))
    ));
    assert!(matches!(
        parse_history_entry(&with(5, 2)),
        Err(Error::UnsupportedSuite(2))
    ));
    assert_eq!(reason(&with(102, 4)), "unknown action");
    assert_eq!(
        reason(&with(102, ACTION_REMOVE_MEMBER)),
        "length does not match the action"
    );
    assert_eq!(reason(&add[..102]), "truncated");
    // The subject key is checked: an Ed25519 half that is the identity point (small order).
    let mut weak = RawEntry::parse(add);
    weak.subject[..32].copy_from_slice(&{
        let mut p = [0u8; 32];
        p[0] = 1;
        p
    });
    assert!(matches!(
        parse_history_entry(&weak.sign(&seed(ALICE))),
        Err(Error::InvalidPublicKey)
    ));
    // Genesis rules.
    let mut genesis = RawEntry::parse(&entries[0]);
    genesis.seq = 1;
    assert_eq!(
        reason(&genesis.sign(&seed(ALICE))),
        "genesis not at sequence 0 with a zero prev"
    );
    let mut genesis = RawEntry::parse(&entries[0]);
    genesis.author = digest(BOB);
    assert_eq!(
        reason(&genesis.sign(&seed(BOB))),
        "genesis not authored by its first member"
    );
    let mut zero = RawEntry::parse(add);
    zero.seq = 0;
    assert_eq!(
        reason(&zero.sign(&seed(ALICE))),
        "sequence 0 is not a genesis"
    );
}

#[test]
fn every_truncation_of_every_entry_is_refused() {
    let Chain { entries, .. } = chain();
    for (i, entry) in entries.iter().enumerate() {
        for len in 0..entry.len() {
            assert!(
                matches!(
                    parse_history_entry(&entry[..len]),
                    Err(Error::MalformedHistoryEntry { .. })
                ),
                "entry {i} cut to {len}"
            );
        }
        let mut longer = entry.clone();
        longer.push(0);
        assert!(matches!(
            parse_history_entry(&longer),
            Err(Error::MalformedHistoryEntry { .. })
        ));
    }
}

#[test]
fn every_flipped_byte_of_every_entry_is_refused() {
    let Chain { entries, .. } = chain();
    for (i, entry) in entries.iter().enumerate() {
        let before = (i > 0).then(|| verify(&entries[..i]).unwrap());
        for at in 0..entry.len() {
            let mut flipped = entry.clone();
            flipped[at] ^= 0x01;
            let result = match &before {
                None => verify(&[flipped]).map(|_| ()),
                Some(history) => history.clone().extend(&flipped),
            };
            let err = result.expect_err(&format!("entry {i}, byte {at} flipped"));
            // Spot checks of which rule catches which field.
            let expected = match at {
                0..4 => "MalformedHistoryEntry",
                4 => "UnsupportedVersion",
                5 => "UnsupportedSuite",
                6..22 => "HistoryWrongAlbum",
                _ => continue,
            };
            assert_eq!(
                keepsake_tests::error_name(&err),
                expected,
                "entry {i}, byte {at}"
            );
        }
    }
}

/// An item of the album sealed and signed by `who` for `epoch`, naming the entry `at`.
fn signed_item(who: u8, epoch: u64, at: &[u8; 32]) -> Vec<u8> {
    let id = keepsake::MediaId::from_bytes([0x1D; 16]);
    let key = keepsake::MediaKey::from_bytes([0x4B; 32]);
    let (_, part) = keepsake::stream::seal_part(
        &key,
        &id,
        keepsake::MediaKind::Original,
        b"a photo",
        &keepsake::stream::SealOptions::new(),
    )
    .unwrap();
    keyring(who, 0)
        .sign_item(&id, ALBUM, epoch, at, &[part.entry()], b"{}")
        .unwrap()
}

fn verify_signed_item(
    record: &[u8],
    epoch: u64,
    history: &VerifiedHistory,
) -> Result<IdentityPublicKey, Error> {
    let id = keepsake::MediaId::from_bytes([0x1D; 16]);
    keepsake::provenance::verify_item(record, &id, epoch, history).map(|v| v.uploader().clone())
}

#[test]
fn a_manifest_by_bob_before_his_removal_verifies_and_after_it_is_refused() {
    let Chain { entries, history } = chain();
    let hashes: Vec<[u8; 32]> = entries.iter().map(|e| history_entry_hash(e)).collect();
    let before = signed_item(BOB, 0, &hashes[2]);
    assert_eq!(
        verify_signed_item(&before, 0, &history).unwrap(),
        public(BOB)
    );
    // Naming the removal (or any later entry), Bob is not a member there.
    for at in [3, 4] {
        let epoch = history.epoch_at(&hashes[at]).unwrap();
        let after = signed_item(BOB, epoch, &hashes[at]);
        assert!(matches!(
            verify_signed_item(&after, epoch, &history),
            Err(Error::ProvenanceNotMember)
        ));
    }
    // Naming an entry before the removal but claiming the new epoch: not that entry's.
    let newer = signed_item(BOB, 1, &hashes[2]);
    assert!(matches!(
        verify_signed_item(&newer, 1, &history),
        Err(Error::ProvenanceWrongItem)
    ));
    // Carol, a member throughout, at the head.
    let carols = signed_item(CAROL, 1 << 32, &hashes[4]);
    assert_eq!(
        verify_signed_item(&carols, 1 << 32, &history).unwrap(),
        public(CAROL)
    );
    // An entry of no chain this client holds.
    let elsewhere = signed_item(CAROL, 1 << 32, &[9; 32]);
    assert!(matches!(
        verify_signed_item(&elsewhere, 1 << 32, &history),
        Err(Error::HistoryUnknownEntry)
    ));
}

#[test]
fn a_grant_is_checked_against_the_membership_at_the_entry_it_names() {
    let Chain { entries, history } = chain();
    let hashes: Vec<[u8; 32]> = entries.iter().map(|e| history_entry_hash(e)).collect();
    let alice = keyring(ALICE, 1);
    let carol = keyring(CAROL, 0);
    let e0 = alice.album_key(ALBUM, 0).unwrap();
    let e1 = alice.album_key(ALBUM, 1).unwrap();
    // Carol, a member at entry 2, gets epoch 0; later, at the head, epoch 0 still (the past).
    for at in [2, 4] {
        let grant = alice.grant_album(&e0, &public(CAROL), &hashes[at]).unwrap();
        let key = carol.accept_grant_in_history(&grant, &history).unwrap();
        assert_eq!(key.epoch(), 0);
    }
    // Bob, removed at entry 3, is not a recipient there.
    let to_bob = alice.grant_album(&e1, &public(BOB), &hashes[3]).unwrap();
    assert!(matches!(
        keyring(BOB, 0).accept_grant_in_history(&to_bob, &history),
        Err(Error::GrantWrongRecipient)
    ));
    // Epoch 1 named at entry 2, before the removal made it: not reached there.
    let early = alice.grant_album(&e1, &public(CAROL), &hashes[2]).unwrap();
    assert!(matches!(
        carol.accept_grant_in_history(&early, &history),
        Err(Error::GrantWrongAlbum)
    ));
    // From Eve, never a member.
    let eve = keyring(EVE, 0);
    let eves_key = keepsake::AlbumKey::from_bytes(ALBUM, 0, [1; 32]);
    let from_eve = eve
        .grant_album(&eves_key, &public(CAROL), &hashes[2])
        .unwrap();
    assert!(matches!(
        carol.accept_grant_in_history(&from_eve, &history),
        Err(Error::GrantWrongSender)
    ));
    // The header's entry hash is signed: rewritten to another entry, the signature fails.
    let mut moved = alice.grant_album(&e0, &public(CAROL), &hashes[2]).unwrap();
    moved[90..122].copy_from_slice(&hashes[4]);
    assert!(matches!(
        carol.accept_grant_in_history(&moved, &history),
        Err(Error::GrantBadSignature)
    ));
}

#[test]
fn a_grant_naming_an_entry_not_in_the_chain_is_refused() {
    // The owner's two branches (a fork): Carol holds the one removing Bob; a grant made on
    // the other branch names an entry her chain does not hold.
    let (a, b) = forked();
    let (ha, hb) = (verify(&a).unwrap(), verify(&b).unwrap());
    let alice = keyring(ALICE, 0);
    let key = alice.album_key(ALBUM, 1).unwrap();
    let grant = alice
        .grant_album(&key, &public(CAROL), &hb.head().1)
        .unwrap();
    assert!(matches!(
        keyring(CAROL, 0).accept_grant_in_history(&grant, &ha),
        Err(Error::HistoryUnknownEntry)
    ));
    // A stale chain (the prefix) does not hold the head either: fetch the chain again.
    let Chain { history, entries } = chain();
    let stale = verify(&entries[..3]).unwrap();
    let at_head = alice
        .grant_album(
            &alice.album_key(ALBUM, 0).unwrap(),
            &public(CAROL),
            &history.head().1,
        )
        .unwrap();
    assert!(matches!(
        keyring(CAROL, 0).accept_grant_in_history(&at_head, &stale),
        Err(Error::HistoryUnknownEntry)
    ));
    keyring(CAROL, 0)
        .accept_grant_in_history(&at_head, &history)
        .unwrap();
}
