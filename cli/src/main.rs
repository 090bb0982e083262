//! The `keepsake` command-line tool (being written).

fn main() {}
