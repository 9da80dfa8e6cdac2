//! Prints the findings table of FINDINGS.md: `cargo run -p dkim-rules --example findings_table`.

fn main() {
    print!("{}", dkim_rules::FindingCode::markdown_table());
}
