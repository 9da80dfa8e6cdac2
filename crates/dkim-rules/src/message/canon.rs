//! The canonicalization algorithms of RFC 6376 §3.4: `simple` and `relaxed`, for header
//! fields and for the body.

use serde::{Deserialize, Serialize};

/// A canonicalization algorithm (`c=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Canon {
    /// `simple`: almost no change (§3.4.1, §3.4.3).
    Simple,
    /// `relaxed`: whitespace and header-name case changes tolerated (§3.4.2, §3.4.4).
    Relaxed,
}

impl Canon {
    /// `simple` or `relaxed`.
    pub fn as_str(self) -> &'static str {
        match self {
            Canon::Simple => "simple",
            Canon::Relaxed => "relaxed",
        }
    }
}

fn is_wsp(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// Appends the canonical form of one whole header field (with its final CRLF) to `out`.
pub fn header(canon: Canon, whole: &[u8], out: &mut Vec<u8>) {
    match canon {
        Canon::Simple => out.extend_from_slice(whole),
        Canon::Relaxed => relaxed_header(whole, out),
    }
}

/// §3.4.2: lower-case name, unfold, every WSP run to one SP, no WSP at the end of the value
/// or around the colon.
fn relaxed_header(whole: &[u8], out: &mut Vec<u8>) {
    let colon = whole.iter().position(|&b| b == b':').unwrap_or(whole.len());
    let name = &whole[..colon];
    let name_end = name.len() - name.iter().rev().take_while(|&&b| is_wsp(b)).count();
    out.extend(name[..name_end].iter().map(u8::to_ascii_lowercase));
    out.push(b':');
    let value = whole.get(colon + 1..).unwrap_or(&[]);
    let value = value.strip_suffix(b"\r\n").unwrap_or(value);
    let mut pending_space = false;
    let mut wrote = false;
    let mut i = 0;
    while i < value.len() {
        let b = value[i];
        if b == b'\r' && value.get(i + 1) == Some(&b'\n') {
            // Unfolding: the CRLF goes; the WSP after it is a WSP run like any other.
            i += 2;
            continue;
        }
        if is_wsp(b) {
            pending_space = true;
        } else {
            if pending_space && wrote {
                out.push(b' ');
            }
            pending_space = false;
            out.push(b);
            wrote = true;
        }
        i += 1;
    }
    out.extend_from_slice(b"\r\n");
}

/// The canonical body (§3.4.3, §3.4.4) of a body with CRLF line endings.
pub fn body(canon: Canon, body: &[u8]) -> Vec<u8> {
    let mut out = match canon {
        Canon::Simple => body.to_vec(),
        Canon::Relaxed => relaxed_body_lines(body),
    };
    // Both: no empty lines at the end; a non-empty body ends with CRLF.
    while out.ends_with(b"\r\n\r\n") {
        out.truncate(out.len() - 2);
    }
    if out == b"\r\n" && canon == Canon::Relaxed {
        out.clear();
    }
    if !out.is_empty() && !out.ends_with(b"\r\n") {
        out.extend_from_slice(b"\r\n");
    }
    if out.is_empty() && canon == Canon::Simple {
        // §3.4.3: an empty body is canonicalized to a single CRLF.
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// Relaxed body lines: WSP runs to one SP, none at the end of a line.
fn relaxed_body_lines(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len());
    let mut pending_space = false;
    let mut i = 0;
    while i < body.len() {
        let b = body[i];
        if b == b'\r' && body.get(i + 1) == Some(&b'\n') {
            // WSP before the line end is dropped.
            pending_space = false;
            out.extend_from_slice(b"\r\n");
            i += 2;
            continue;
        }
        if is_wsp(b) {
            pending_space = true;
        } else {
            if pending_space {
                out.push(b' ');
                pending_space = false;
            }
            out.push(b);
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6376 §3.4.6, the example message (`<SP>`/`<HTAB>` written out).
    const EXAMPLE_HEADERS: [&[u8]; 2] = [b"A: X\r\n", b"B : Y\t\r\n\tZ  \r\n"];
    const EXAMPLE_BODY: &[u8] = b" C \r\nD \t E\r\n\r\n\r\n";

    #[test]
    fn rfc6376_3_4_6_relaxed() {
        let mut headers = Vec::new();
        for field in EXAMPLE_HEADERS {
            header(Canon::Relaxed, field, &mut headers);
        }
        assert_eq!(headers, b"a:X\r\nb:Y Z\r\n");
        assert_eq!(body(Canon::Relaxed, EXAMPLE_BODY), b" C\r\nD E\r\n");
    }

    #[test]
    fn rfc6376_3_4_6_simple() {
        let mut headers = Vec::new();
        for field in EXAMPLE_HEADERS {
            header(Canon::Simple, field, &mut headers);
        }
        assert_eq!(headers, b"A: X\r\nB : Y\t\r\n\tZ  \r\n");
        assert_eq!(body(Canon::Simple, EXAMPLE_BODY), b" C \r\nD \t E\r\n");
    }

    #[test]
    fn empty_bodies() {
        // §3.4.3 and §3.4.4 (erratum 1384 does not change relaxed: empty stays empty).
        assert_eq!(body(Canon::Simple, b""), b"\r\n");
        assert_eq!(body(Canon::Simple, b"\r\n\r\n"), b"\r\n");
        assert_eq!(body(Canon::Relaxed, b""), b"");
        assert_eq!(body(Canon::Relaxed, b"\r\n \r\n"), b"");
    }

    #[test]
    fn a_missing_final_crlf_is_added() {
        assert_eq!(body(Canon::Simple, b"abc"), b"abc\r\n");
        assert_eq!(body(Canon::Relaxed, b"abc  "), b"abc\r\n");
    }

    proptest::proptest! {
        /// Canonicalizing a canonical body or header changes nothing, and a canonical body
        /// is empty or ends with exactly one CRLF after a non-empty line.
        #[test]
        fn canonical_forms_are_fixed_points(
            lines in proptest::collection::vec("[ \ta-c]{0,6}", 0..8),
            name in "[A-Za-z-]{1,8}",
            value in "[ \ta-c]{0,10}",
        ) {
            let body_text = lines.join("\r\n");
            for canon in [Canon::Simple, Canon::Relaxed] {
                let once = body(canon, body_text.as_bytes());
                proptest::prop_assert_eq!(&body(canon, &once), &once);
                proptest::prop_assert!(!once.ends_with(b"\r\n\r\n") || once == b"\r\n");
            }
            let field = format!("{name}:{value}\r\n");
            let mut once = Vec::new();
            header(Canon::Relaxed, field.as_bytes(), &mut once);
            let mut twice = Vec::new();
            header(Canon::Relaxed, &once, &mut twice);
            proptest::prop_assert_eq!(twice, once);
        }
    }

    #[test]
    fn relaxed_header_trims_around_the_colon_and_the_value() {
        let mut out = Vec::new();
        header(
            Canon::Relaxed,
            b"SUBJECT \t:  \t hello   world \r\n",
            &mut out,
        );
        assert_eq!(out, b"subject:hello world\r\n");
        out.clear();
        header(Canon::Relaxed, b"X-Empty:\r\n", &mut out);
        assert_eq!(out, b"x-empty:\r\n");
    }
}
