//! HPKE (RFC 9180). Placeholder: being written.
