//! The recovery phrase: a 256-bit secret shown once as 24 English BIP39 words
//! (SPEC.md, section 5.3).

use std::fmt;

use zeroize::{ZeroizeOnDrop, Zeroizing};

use crate::keys::SecretBytes;
use crate::primitives::KEY_LEN;
use crate::{Error, Result};

/// Number of words in a recovery phrase.
pub const RECOVERY_WORDS: usize = 24;

/// Longest recovery-phrase input accepted (24 words of at most 8 letters, generous
/// white space); longer input is refused before it is parsed.
pub const MAX_RECOVERY_INPUT: usize = 1024;

/// What is wrong with a recovery phrase someone typed. Never contains the words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PhraseProblem {
    /// Not 24 words.
    WordCount(usize),
    /// The word at this position (counting from 1) is not in the English BIP39 list.
    UnknownWord(usize),
    /// Every word is known but the checksum does not match: a word is wrong or two are
    /// swapped.
    Checksum,
    /// Longer than [`MAX_RECOVERY_INPUT`] bytes.
    TooLong,
}

impl fmt::Display for PhraseProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PhraseProblem::WordCount(n) => write!(f, "{n} words instead of 24"),
            PhraseProblem::UnknownWord(i) => write!(f, "word {i} is not a recovery word"),
            PhraseProblem::Checksum => f.write_str("checksum mismatch: a word is wrong"),
            PhraseProblem::TooLong => f.write_str("input too long"),
        }
    }
}

/// A 256-bit recovery secret and its 24-word rendering. Both wipe themselves on drop.
#[derive(ZeroizeOnDrop)]
pub struct RecoveryPhrase {
    secret: SecretBytes,
    words: String,
}

impl RecoveryPhrase {
    /// A fresh phrase from the OS random number generator.
    ///
    /// # Errors
    /// [`Error::RandomnessUnavailable`].
    pub fn generate() -> Result<Self> {
        let secret = SecretBytes::random()?;
        Ok(Self::from_secret(secret))
    }

    pub(crate) fn from_secret(secret: SecretBytes) -> Self {
        let mnemonic = bip39::Mnemonic::from_entropy(secret.expose())
            .expect("32 bytes is a valid BIP39 entropy length");
        let mut words = String::with_capacity(24 * 9);
        for (i, word) in mnemonic.words().enumerate() {
            if i > 0 {
                words.push(' ');
            }
            words.push_str(word);
        }
        Self { secret, words }
    }

    /// Parses a phrase as a person types it: any case, any white space between words.
    ///
    /// ```
    /// use keepsake::RecoveryPhrase;
    /// let phrase = RecoveryPhrase::generate()?;
    /// let shouted = phrase.words().to_uppercase().replace(' ', "   \n ");
    /// let parsed = RecoveryPhrase::parse(&shouted)?;
    /// assert_eq!(parsed.words(), phrase.words());
    /// # Ok::<(), keepsake::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidRecoveryPhrase`] with the [`PhraseProblem`].
    pub fn parse(input: &str) -> Result<Self> {
        let invalid = |problem| Error::InvalidRecoveryPhrase { problem };
        if input.len() > MAX_RECOVERY_INPUT {
            return Err(invalid(PhraseProblem::TooLong));
        }
        // Measured first, so the copy never reallocates (lowercasing can lengthen text,
        // and a reallocation would free an unwiped copy of the words).
        let words = input.split_whitespace();
        let needed: usize = words
            .clone()
            .map(|w| {
                w.chars()
                    .flat_map(char::to_lowercase)
                    .map(char::len_utf8)
                    .sum::<usize>()
                    + 1
            })
            .sum();
        let mut normalized = Zeroizing::new(String::with_capacity(needed));
        let mut count = 0;
        for word in words {
            if count > 0 {
                normalized.push(' ');
            }
            normalized.extend(word.chars().flat_map(char::to_lowercase));
            count += 1;
        }
        if count != RECOVERY_WORDS {
            return Err(invalid(PhraseProblem::WordCount(count)));
        }
        let mnemonic = bip39::Mnemonic::parse_in_normalized(bip39::Language::English, &normalized)
            .map_err(|e| {
                invalid(match e {
                    bip39::Error::UnknownWord(i) => PhraseProblem::UnknownWord(i + 1),
                    bip39::Error::InvalidChecksum => PhraseProblem::Checksum,
                    _ => PhraseProblem::WordCount(count),
                })
            })?;
        let (entropy, len) = mnemonic.to_entropy_array();
        let entropy = Zeroizing::new(entropy);
        let secret = SecretBytes::from_slice("recovery secret", &entropy[..len])?;
        Ok(Self::from_secret(secret))
    }

    /// The 24 words, lowercase, separated by single spaces. This is the secret: show it to
    /// the user once, never log it.
    pub fn words(&self) -> &str {
        &self.words
    }

    pub(crate) fn secret(&self) -> &[u8; KEY_LEN] {
        self.secret.expose()
    }
}

impl fmt::Debug for RecoveryPhrase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RecoveryPhrase([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_tolerant_parsing() {
        let phrase = RecoveryPhrase::generate().unwrap();
        assert_eq!(phrase.words().split(' ').count(), 24);
        let messy = format!("  {}\t", phrase.words().to_uppercase().replace(' ', "  \n"));
        let parsed = RecoveryPhrase::parse(&messy).unwrap();
        assert_eq!(parsed.secret(), phrase.secret());
        // The words as typed come back lowercased, single-spaced, with nothing around them.
        assert_eq!(parsed.words(), phrase.words());
        assert_eq!(format!("{parsed:?}"), "RecoveryPhrase([redacted])");
    }

    #[test]
    fn known_answer_all_zero_entropy() {
        // BIP39's published vector for 32 zero bytes: 23 x "abandon" then "art".
        let phrase = RecoveryPhrase::from_secret(SecretBytes::new([0; 32]));
        let expected = format!("{}art", "abandon ".repeat(23));
        assert_eq!(phrase.words(), expected);
    }

    #[test]
    fn problems_are_precise_and_never_echo_words() {
        let phrase = RecoveryPhrase::generate().unwrap();
        let words: Vec<&str> = phrase.words().split(' ').collect();
        let short = words[..23].join(" ");
        assert!(matches!(
            RecoveryPhrase::parse(&short),
            Err(Error::InvalidRecoveryPhrase {
                problem: PhraseProblem::WordCount(23)
            })
        ));
        let mut unknown = words.clone();
        unknown[4] = "notaword";
        let err = RecoveryPhrase::parse(&unknown.join(" ")).unwrap_err();
        assert!(matches!(
            err,
            Error::InvalidRecoveryPhrase {
                problem: PhraseProblem::UnknownWord(5)
            }
        ));
        assert!(!err.to_string().contains("notaword"), "{err}");
        // Swap two different words: the checksum catches it (unless they are equal).
        let mut swapped = words.clone();
        let j = (1..24).find(|&j| words[j] != words[0]).unwrap();
        swapped.swap(0, j);
        let result = RecoveryPhrase::parse(&swapped.join(" "));
        // A swap keeps the checksum with probability 1/256; accept only the precise error
        // or, in that rare case, a different secret.
        match result {
            Err(Error::InvalidRecoveryPhrase {
                problem: PhraseProblem::Checksum,
            }) => {}
            Ok(other) => assert_ne!(other.secret(), phrase.secret()),
            Err(e) => panic!("{e:?}"),
        }
        assert_eq!(
            PhraseProblem::WordCount(23).to_string(),
            "23 words instead of 24"
        );
        assert_eq!(PhraseProblem::TooLong.to_string(), "input too long");
        let long = "abandon ".repeat(200);
        assert!(matches!(
            RecoveryPhrase::parse(&long),
            Err(Error::InvalidRecoveryPhrase {
                problem: PhraseProblem::TooLong
            })
        ));
        // The limit is exact: a valid phrase padded with spaces to 1024 bytes parses,
        // one byte more is too long.
        let words = RecoveryPhrase::generate().unwrap().words().to_string();
        let padded = format!("{words:<MAX_RECOVERY_INPUT$}");
        assert_eq!(padded.len(), MAX_RECOVERY_INPUT);
        assert!(RecoveryPhrase::parse(&padded).is_ok());
        assert!(matches!(
            RecoveryPhrase::parse(&format!("{padded} ")),
            Err(Error::InvalidRecoveryPhrase {
                problem: PhraseProblem::TooLong
            })
        ));
    }

    #[test]
    fn wrong_checksum_is_refused() {
        // 24 x "abandon" has a wrong checksum (the valid last word is "art").
        let phrase = "abandon ".repeat(24);
        assert!(matches!(
            RecoveryPhrase::parse(&phrase),
            Err(Error::InvalidRecoveryPhrase {
                problem: PhraseProblem::Checksum
            })
        ));
    }
}
