//! Album history vectors (SPEC.md 5.12): a chain of create, add Bob, add Carol, remove Bob,
//! the owner's epoch move after a rotation; and refused chains (reordered, dropped, forged,
//! by a non-member, by a removed member, a removal by a member, an epoch backwards, another
//! owner, a fork and a rollback against a pin).

use keepsake::account::Keyring;
use keepsake::history::{
    HistoryAction, HistoryPin, history_head_fingerprint, parse_history_entry, verify_history,
};
use keepsake::identity::IdentityPublicKey;
use keepsake::{AlbumId, hazmat};
use keepsake_tests::history::{HistoryVector, HistoryVectorEntry, RawEntry, action_name};
use keepsake_tests::{array, error_name};

/// Identity seeds (pattern seeds): the owner, Bob, Carol, Eve.
const OWNER: u8 = 170;
const BOB: u8 = 171;
const CAROL: u8 = 172;
const EVE: u8 = 173;

fn keyring(who: u8, generation: u8) -> Keyring {
    let roots: Vec<[u8; 32]> = (0..=generation).map(|g| array(who + 10 + g)).collect();
    hazmat::keyring_from_secrets(&roots, array(who))
}

fn public(who: u8) -> IdentityPublicKey {
    keyring(who, 0).identity_public_key()
}

/// An entry as the vector records it: `(bytes, signer, genuine)`.
type Signed = (Vec<u8>, u8, bool);

fn album() -> AlbumId {
    AlbumId::from_bytes(array(175))
}

/// The genuine chain: create, add Bob, add Carol, remove Bob, epoch move (generation 1).
fn scenario() -> Vec<Signed> {
    let owner = keyring(OWNER, 0);
    let mut chain = vec![owner.create_album_history(album()).unwrap()];
    let mut history = verify_history(&chain, album(), &public(OWNER), None).unwrap();
    let rotated = keyring(OWNER, 1);
    for (by, action) in [
        (&owner, HistoryAction::AddMember(public(BOB))),
        (&owner, HistoryAction::AddMember(public(CAROL))),
        (&owner, HistoryAction::RemoveMember(public(BOB).digest())),
        (&rotated, HistoryAction::EpochMove),
    ] {
        let entry = by.append_history(&history, action).unwrap();
        history.extend(&entry).unwrap();
        chain.push(entry);
    }
    chain.into_iter().map(|e| (e, OWNER, true)).collect()
}

/// The entry after `chain` with chosen fields, signed by `who`.
fn forge(chain: &[Signed], who: u8, action: u8, subject: Vec<u8>, epoch: u64) -> Signed {
    let last = &chain.last().unwrap().0;
    let entry = RawEntry {
        album: *album().as_bytes(),
        seq: chain.len() as u64,
        prev: keepsake::history::history_entry_hash(last),
        epoch,
        author: public(who).digest(),
        action,
        subject,
    }
    .sign(&array(who));
    (entry, who, true)
}

fn case(
    name: &str,
    comment: &str,
    chain: &[Signed],
    owner: u8,
    pin: Option<HistoryPin>,
) -> HistoryVector {
    let bytes: Vec<&Vec<u8>> = chain.iter().map(|c| &c.0).collect();
    let result = verify_history(&bytes, album(), &public(owner), pin.as_ref());
    let entries = chain
        .iter()
        .map(|(entry, who, genuine)| {
            let raw = RawEntry::parse(entry);
            let hash = keepsake::history::history_entry_hash(entry);
            HistoryVectorEntry {
                signer_identity_secret: hex::encode(array::<32>(*who)),
                genuine: *genuine,
                action: action_name(raw.action).into(),
                seq: raw.seq,
                epoch: raw.epoch,
                entry: hex::encode(entry),
                hash: hex::encode(hash),
                members_after: result.as_ref().ok().map(|h| {
                    h.member_digests_at(&hash)
                        .unwrap()
                        .iter()
                        .map(hex::encode)
                        .collect()
                }),
            }
        })
        .collect();
    HistoryVector {
        name: name.into(),
        comment: comment.into(),
        album_id: hex::encode(album().as_bytes()),
        trusted_owner: hex::encode(public(owner).to_bytes()),
        entries,
        pin: pin.map(|p| hex::encode(p.to_bytes())),
        head: result.as_ref().ok().map(|h| hex::encode(h.head().1)),
        head_fingerprint: result.as_ref().ok().map(history_head_fingerprint),
        error: result.as_ref().err().map(|e| error_name(e).to_string()),
    }
}

pub(crate) fn vectors() -> Vec<HistoryVector> {
    let chain = scenario();
    let prefix = &chain[..3];
    let with = |base: &[Signed], extra: Signed| {
        let mut c = base.to_vec();
        c.push(extra);
        c
    };
    let bob = public(BOB).digest().to_vec();
    let carol = public(CAROL).digest().to_vec();
    let mut reordered = chain.clone();
    reordered.swap(1, 2);
    let mut dropped = chain.clone();
    dropped.remove(2);
    let mut forged = chain.clone();
    let last = forged[3].0.len() - 1;
    forged[3].0[last] ^= 1;
    forged[3].2 = false;
    // A fork: the same first three entries, then Carol removed instead of Bob.
    let owner = keyring(OWNER, 0);
    let history = verify_history(
        &prefix.iter().map(|c| &c.0).collect::<Vec<_>>(),
        album(),
        &public(OWNER),
        None,
    )
    .unwrap();
    let other = owner
        .append_history(
            &history,
            HistoryAction::RemoveMember(public(CAROL).digest()),
        )
        .unwrap();
    let fork = with(prefix, (other, OWNER, true));
    let full = verify_history(
        &chain.iter().map(|c| &c.0).collect::<Vec<_>>(),
        album(),
        &public(OWNER),
        None,
    )
    .unwrap();
    let pin_at_3 = HistoryPin {
        seq: 3,
        hash: full.hash_at(3).unwrap(),
        album_id: album(),
    };
    assert!(parse_history_entry(&chain[4].0).is_ok());
    vec![
        case(
            "scenario",
            "create, add Bob, add Carol, remove Bob (epoch 0 -> 1), the owner's epoch move after a rotation (-> 2^32): verifies",
            &chain,
            OWNER,
            Some(pin_at_3),
        ),
        case(
            "reordered",
            "entries 1 and 2 swapped",
            &reordered,
            OWNER,
            None,
        ),
        case("dropped", "entry 2 left out", &dropped, OWNER, None),
        case(
            "forged-signature",
            "entry 3's signature's last byte flipped",
            &forged,
            OWNER,
            None,
        ),
        case(
            "by-non-member",
            "Eve, never added, adds herself at entry 3",
            &with(prefix, forge(prefix, EVE, 1, public(EVE).to_bytes(), 0)),
            OWNER,
            None,
        ),
        case(
            "by-removed-member",
            "Bob, removed at entry 3, removes Carol at entry 5",
            &with(&chain, forge(&chain, BOB, 2, carol.clone(), (1 << 32) + 1)),
            OWNER,
            None,
        ),
        case(
            "member-removes",
            "Bob, a member but not the owner, removes Carol at entry 3",
            &with(prefix, forge(prefix, BOB, 2, carol, 1)),
            OWNER,
            None,
        ),
        case(
            "epoch-backwards",
            "the owner removes Bob at entry 3 keeping epoch 0",
            &with(prefix, forge(prefix, OWNER, 2, bob, 0)),
            OWNER,
            None,
        ),
        case(
            "wrong-owner",
            "the genuine chain, verified with Bob as the trusted owner",
            &chain,
            BOB,
            None,
        ),
        case(
            "fork-against-pin",
            "a chain removing Carol at entry 3, verified with a pin of the scenario's entry 3",
            &fork,
            OWNER,
            Some(pin_at_3),
        ),
        case(
            "rollback-against-pin",
            "the scenario's first three entries, verified with a pin of its entry 3",
            prefix,
            OWNER,
            Some(pin_at_3),
        ),
    ]
}
