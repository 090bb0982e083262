//! Recovery phrase parsing (SPEC.md 5.3) on arbitrary text.
//!
//! Input: the phrase as typed (UTF-8; other inputs are skipped).
//! Invariants: over 1024 bytes is `TooLong`; otherwise the word count is checked first;
//! a phrase that parses is the input lowercased with single spaces, 24 words, and parses
//! back to the same secret; problems never carry the words.
#![no_main]

use keepsake::recovery::{MAX_RECOVERY_INPUT, PhraseProblem, RECOVERY_WORDS};
use keepsake::{Error, RecoveryPhrase, hazmat};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    let count = input.split_whitespace().count();
    match RecoveryPhrase::parse(input) {
        Ok(phrase) => {
            assert!(input.len() <= MAX_RECOVERY_INPUT && count == RECOVERY_WORDS);
            let normalized: Vec<String> = input.split_whitespace().map(str::to_lowercase).collect();
            assert_eq!(normalized.join(" "), phrase.words());
            let again = RecoveryPhrase::parse(phrase.words()).expect("reparses");
            assert_eq!(
                hazmat::recovery_secret(&again),
                hazmat::recovery_secret(&phrase)
            );
            let from_secret = hazmat::recovery_phrase_from_secret(hazmat::recovery_secret(&phrase));
            assert_eq!(from_secret.words(), phrase.words());
        }
        Err(Error::InvalidRecoveryPhrase { problem }) => {
            match problem {
                PhraseProblem::TooLong => assert!(input.len() > MAX_RECOVERY_INPUT),
                PhraseProblem::WordCount(n) => assert!(n == count && n != RECOVERY_WORDS),
                PhraseProblem::UnknownWord(i) => {
                    assert!(count == RECOVERY_WORDS && (1..=24).contains(&i))
                }
                PhraseProblem::Checksum => assert_eq!(count, RECOVERY_WORDS),
                other => panic!("unexpected problem {other:?}"),
            }
            // The message is a fixed template: nothing of the input is echoed.
            let expected = match problem {
                PhraseProblem::WordCount(n) => format!("{n} words instead of 24"),
                PhraseProblem::UnknownWord(i) => format!("word {i} is not a recovery word"),
                PhraseProblem::Checksum => "checksum mismatch: a word is wrong".into(),
                _ => "input too long".into(),
            };
            let shown = Error::InvalidRecoveryPhrase { problem }.to_string();
            assert_eq!(shown, format!("invalid recovery phrase: {expected}"));
        }
        Err(other) => panic!("unexpected error {other:?}"),
    }
});
