//! Parsing and verifying album history entries and chains (SPEC.md 5.12) on arbitrary
//! bytes. Input: `pin (1) || entries`: pin 0 is no pin, `n > 0` the pin of the genuine
//! chain's entry `(n - 1) mod 8` (past its end for `n - 1 >= 5`: a pin of a longer chain);
//! the rest is cut into entries by the length each one's action byte (offset 102) implies,
//! the last piece taking what remains, at most 64 pieces.
//! Invariants: `parse_history_entry` never panics, reports 5.12's first failing rule
//! (magic, version, suite, in that order) and only 5.12's errors; an entry that parses has
//! the length its action implies and re-serializes byte for byte. `verify_history` against
//! the fixture's owner never panics and gives only 5.12's errors; a chain that verifies is
//! a prefix of the genuine chain byte for byte (only the owner signs, and it signed nothing
//! else), its head is its last entry, and a pin past its end is `HistoryRollback`.
#![no_main]

use keepsake::Error;
use keepsake::history::{
    HISTORY_MAGIC, HISTORY_SUITE_SHA256_ED25519, HISTORY_VERSION, HistoryPin, history_entry_hash,
    history_entry_len, parse_history_entry, verify_history,
};
use keepsake_fuzz::fixture::HistoryChain;
use keepsake_fuzz::{assert_allowed, assert_first_rules};
use libfuzzer_sys::fuzz_target;

const ENTRY_ERRORS: &[&str] = &[
    "MalformedHistoryEntry",
    "UnsupportedVersion",
    "UnsupportedSuite",
    "InvalidPublicKey",
];

const CHAIN_ERRORS: &[&str] = &[
    "MalformedHistoryEntry",
    "UnsupportedVersion",
    "UnsupportedSuite",
    "InvalidPublicKey",
    "TooLarge",
    "HistoryWrongAlbum",
    "HistoryWrongOwner",
    "HistoryBrokenLink",
    "HistoryBadSignature",
    "HistoryNotMember",
    "HistoryNotAllowed",
    "HistoryBadEpoch",
    "HistoryFork",
    "HistoryRollback",
];

fn split(mut data: &[u8]) -> Vec<&[u8]> {
    let mut pieces = Vec::new();
    while !data.is_empty() && pieces.len() < 64 {
        let len = data
            .get(102)
            .and_then(|a| history_entry_len(*a))
            .unwrap_or(data.len())
            .min(data.len());
        let (piece, rest) = data.split_at(len);
        pieces.push(piece);
        data = rest;
    }
    pieces
}

fuzz_target!(
    init: {
        HistoryChain::get();
    },
    |data: &[u8]| {
        let chain = HistoryChain::get();
        let Some((&pin_byte, body)) = data.split_first() else {
            return;
        };
        let pieces = split(body);
        for piece in &pieces {
            match parse_history_entry(piece) {
                Ok(entry) => {
                    assert_eq!(entry.to_bytes(), *piece);
                    assert_eq!(Some(piece.len()), history_entry_len(piece[102]));
                    assert_eq!(entry.hash(), &history_entry_hash(piece));
                }
                Err(e) => assert_first_rules(
                    &e,
                    piece,
                    (HISTORY_MAGIC, HISTORY_VERSION, HISTORY_SUITE_SHA256_ED25519),
                    "MalformedHistoryEntry",
                    ENTRY_ERRORS,
                ),
            }
        }
        let genuine = &chain.entries;
        let pin = (pin_byte > 0).then(|| {
            let seq = u64::from(pin_byte - 1) % 8;
            HistoryPin {
                album_id: chain.album,
                seq,
                hash: genuine
                    .get(seq as usize)
                    .map_or([0x77; 32], |e| history_entry_hash(e)),
            }
        });
        match verify_history(&pieces, chain.album, &chain.owner, pin.as_ref()) {
            Ok(history) => {
                assert!(pieces.len() <= genuine.len());
                for (piece, entry) in pieces.iter().zip(genuine) {
                    assert_eq!(*piece, &entry[..], "a chain the owner did not sign verified");
                }
                let last = pieces.last().expect("a verified chain is not empty");
                assert_eq!(history.head(), ((pieces.len() - 1) as u64, history_entry_hash(last)));
                if let Some(pin) = pin {
                    assert!((pin.seq as usize) < pieces.len());
                }
            }
            Err(e) => {
                assert_allowed(&e, CHAIN_ERRORS);
                if let Error::HistoryRollback { seen, offered } = e {
                    assert_eq!(Some(seen), pin.map(|p| p.seq));
                    assert_eq!(offered as usize + 1, pieces.len());
                }
                // A genuine prefix fails only on its pin.
                let prefix = !pieces.is_empty()
                    && pieces.len() <= genuine.len()
                    && pieces.iter().zip(genuine).all(|(p, g)| *p == &g[..]);
                if prefix {
                    assert!(
                        matches!(e, Error::HistoryRollback { .. } | Error::HistoryFork { .. }),
                        "{e:?}"
                    );
                }
            }
        }
    }
);
