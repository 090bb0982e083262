//! An accepted Selection holds part keys: a second copy must be made on purpose, never by
//! `.clone()`.

fn copy(selection: keepsake::selection::Selection) {
    let _copy = selection.clone();
}

fn main() {
    let _ = copy;
}
