//! `dkim-doctor trace` against the in-process lab.

mod common;

use common::{run_owned, with_lab};

#[test]
fn trace_shows_every_zone_and_the_final_answer() {
    let run = run_owned(&with_lab(&[
        "trace",
        "ses-healthy.com",
        "SOA",
        "--color",
        "never",
    ]));
    println!("{}", run.stdout);
    eprintln!("{}", run.stderr);
    assert_eq!(run.code, 0);
}
