//! `dkim-doctor`: the command-line tool.
fn main() {}
