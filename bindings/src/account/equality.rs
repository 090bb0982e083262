//! Equality of the records that hold bytes (issue 12: Kotlin data classes compare
//! `ByteArray` fields by reference; these exports give every language `==` and a hash by
//! content). Objects inside a record compare by identity: the same Rust object, whichever
//! foreign wrapper holds it (a key is never compared by its secret).

use std::sync::Arc;

use super::{Enrollment, NewAccount, RotatedRecovery, RotatedRoot};

/// Whether two handles are the same object (not two objects of equal value).
fn same_object<T>(a: &Arc<T>, b: &Arc<T>) -> bool {
    Arc::ptr_eq(a, b)
}

/// Hashes an object's identity, consistent with [`same_object`].
fn hash_object<T, H: std::hash::Hasher>(object: &Arc<T>, state: &mut H) {
    std::hash::Hash::hash(&Arc::as_ptr(object).cast::<()>(), state);
}

impl PartialEq for NewAccount {
    fn eq(&self, other: &Self) -> bool {
        self.bundle == other.bundle
            && same_object(&self.keyring, &other.keyring)
            && same_object(&self.recovery_phrase, &other.recovery_phrase)
    }
}
impl Eq for NewAccount {}
impl std::hash::Hash for NewAccount {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.bundle.hash(state);
        hash_object(&self.keyring, state);
        hash_object(&self.recovery_phrase, state);
    }
}

impl PartialEq for Enrollment {
    fn eq(&self, other: &Self) -> bool {
        self.bundle == other.bundle && self.pin == other.pin
    }
}
impl Eq for Enrollment {}
impl std::hash::Hash for Enrollment {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.bundle.hash(state);
        self.pin.hash(state);
    }
}

impl PartialEq for RotatedRoot {
    fn eq(&self, other: &Self) -> bool {
        self.bundle == other.bundle && same_object(&self.keyring, &other.keyring)
    }
}
impl Eq for RotatedRoot {}
impl std::hash::Hash for RotatedRoot {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.bundle.hash(state);
        hash_object(&self.keyring, state);
    }
}

impl PartialEq for RotatedRecovery {
    fn eq(&self, other: &Self) -> bool {
        self.bundle == other.bundle && same_object(&self.recovery_phrase, &other.recovery_phrase)
    }
}
impl Eq for RotatedRecovery {}
impl std::hash::Hash for RotatedRecovery {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.bundle.hash(state);
        hash_object(&self.recovery_phrase, state);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::account::AccountPin;
    use std::collections::hash_map::RandomState;
    use std::hash::BuildHasher;

    #[test]
    fn records_of_bytes_compare_by_content_and_objects_by_identity() {
        let hasher = RandomState::new();
        let pin = |generation: u8| {
            let mut bytes = vec![7u8; 40];
            bytes[39] = generation;
            AccountPin::from_bytes(bytes).expect("40 bytes are a pin")
        };
        let a = Enrollment {
            bundle: b"bundle".to_vec(),
            pin: pin(1),
        };
        // Another allocation of the same bytes, another pin object of the same value.
        let b = Enrollment {
            bundle: b"bundle".to_vec(),
            pin: pin(1),
        };
        assert!(a == b);
        assert_eq!(hasher.hash_one(&a), hasher.hash_one(&b));
        assert!(a != Enrollment { pin: pin(2), ..b });

        let one = Arc::new(3u8);
        let same = Arc::clone(&one);
        let equal_value = Arc::new(3u8);
        assert!(same_object(&one, &same) && !same_object(&one, &equal_value));
        let identity = |object: &Arc<u8>| {
            let mut state = hasher.build_hasher();
            hash_object(object, &mut state);
            std::hash::Hasher::finish(&state)
        };
        assert_eq!(identity(&one), identity(&same));
    }
}
