//! Passphrase stretching with Argon2id. Placeholder: being written.
