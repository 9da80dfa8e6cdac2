//! Prints the signature result codes table of FINDINGS.md:
//! `cargo run -p dkim-rules --example signature_codes_table`.

fn main() {
    print!("{}", dkim_rules::message::SignatureCode::markdown_table());
}
