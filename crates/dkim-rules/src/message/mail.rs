//! A received message as DKIM sees it: the header fields exactly as written and the body,
//! with CRLF line endings.
//!
//! Mail saved by a client is often stored with LF line endings, and an mbox adds a `From `
//! line in front of each message and escapes body lines that start with `From `. The wire
//! form that was signed had CRLF and neither of those, so [`Message::parse`] restores it
//! before anything is hashed, and says in [`Message::notes`] what it changed.

use std::ops::Range;

/// The largest message read (64 MiB): far above what mail systems accept (25-50 MB is the
/// usual limit), and bounded so memory stays bounded whatever the input.
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024 * 1024;

/// The most header fields read; a real message has a few dozen (a long relay path a few
/// hundred).
pub const MAX_HEADER_FIELDS: usize = 10_000;

/// Why a file is not a message that can be checked. Each message is one sentence.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MessageError {
    /// Nothing to read.
    #[error("the message is empty")]
    Empty,
    /// Larger than [`MAX_MESSAGE_BYTES`].
    #[error("the message is larger than {limit} bytes (64 MiB), the most dkim-doctor reads")]
    TooLarge {
        /// The limit.
        limit: usize,
    },
    /// The first line is not a header field.
    #[error(
        "this is not an email message: its first line {line:?} is not a header field (Name: value)"
    )]
    NotAMessage {
        /// The first line, shortened.
        line: String,
    },
    /// More than [`MAX_HEADER_FIELDS`] header fields.
    #[error("the message has more than {limit} header fields")]
    TooManyHeaderFields {
        /// The limit.
        limit: usize,
    },
    /// An mbox holding more than one message.
    #[error("the file holds more than one message (another mbox \"From \" line at line {line}): save the message to check in a file of its own")]
    SeveralMessages {
        /// 1-based line number of the second `From ` line.
        line: usize,
    },
}

/// How the input was stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceFormat {
    /// A bare RFC 5322 message (`.eml`).
    Eml,
    /// One message of an mbox, with its `From ` line.
    Mbox,
}

/// The line endings of the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LineEndings {
    /// CRLF throughout (the wire form).
    Crlf,
    /// LF only (converted to CRLF).
    Lf,
    /// Both (every lone LF converted to CRLF).
    Mixed,
}

/// One header field: where its name and its whole text (with the final CRLF) lie in the
/// message.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Field {
    name: Range<usize>,
    whole: Range<usize>,
}

/// A parsed message.
#[derive(Debug, Clone)]
pub struct Message {
    data: Vec<u8>,
    fields: Vec<Field>,
    body_start: usize,
    /// How the input was stored.
    pub format: SourceFormat,
    /// The input's line endings.
    pub line_endings: LineEndings,
    /// The size of the input in bytes.
    pub input_bytes: usize,
    /// What was changed to restore the wire form, one sentence each.
    pub notes: Vec<String>,
}

const WSP: [u8; 2] = [b' ', b'\t'];

impl Message {
    /// Parses a message as saved by a mail client: RFC 5322 (`.eml`) or one mbox message
    /// with its `From ` line, CRLF or LF line endings.
    pub fn parse(input: &[u8]) -> Result<Message, MessageError> {
        if input.len() > MAX_MESSAGE_BYTES {
            return Err(MessageError::TooLarge {
                limit: MAX_MESSAGE_BYTES,
            });
        }
        if input.iter().all(u8::is_ascii_whitespace) {
            return Err(MessageError::Empty);
        }
        let mut notes = Vec::new();
        let (data, line_endings) = to_crlf(input);
        if line_endings != LineEndings::Crlf {
            notes.push(
                "the file has LF line endings; they were read as CRLF, the form mail is signed in"
                    .to_string(),
            );
        }
        let (data, format) = if data.starts_with(b"From ") {
            let first_end = find_crlf(&data, 0).map_or(data.len(), |i| i + 2);
            let rest = data[first_end..].to_vec();
            let (rest, unquoted) = mbox_unquote(rest)?;
            if unquoted > 0 {
                notes.push(format!(
                    "{unquoted} body line(s) starting with \">From \" were unquoted, as mbox readers do"
                ));
            }
            (rest, SourceFormat::Mbox)
        } else {
            (data, SourceFormat::Eml)
        };
        let (fields, body_start) = split_fields(&data)?;
        Ok(Message {
            data,
            fields,
            body_start,
            format,
            line_endings,
            input_bytes: input.len(),
            notes,
        })
    }

    /// Every header field, top to bottom: (name as written, the whole field with its CRLF).
    pub fn fields(&self) -> impl DoubleEndedIterator<Item = (&[u8], &[u8])> + '_ {
        self.fields
            .iter()
            .map(|f| (&self.data[f.name.clone()], &self.data[f.whole.clone()]))
    }

    /// The number of header fields.
    pub fn field_count(&self) -> usize {
        self.fields.len()
    }

    /// The field at `index` (top to bottom): (name, whole field).
    pub fn field(&self, index: usize) -> Option<(&[u8], &[u8])> {
        self.fields
            .get(index)
            .map(|f| (&self.data[f.name.clone()], &self.data[f.whole.clone()]))
    }

    /// The value of the bottom-most field named `name` (case-insensitive), without its CRLF.
    pub fn last_value(&self, name: &str) -> Option<&[u8]> {
        self.fields()
            .rev()
            .find(|(n, _)| n.eq_ignore_ascii_case(name.as_bytes()))
            .map(|(_, whole)| field_value(whole))
    }

    /// How many fields are named `name` (case-insensitive).
    pub fn count(&self, name: &str) -> usize {
        self.fields()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name.as_bytes()))
            .count()
    }

    /// The body (after the empty line), CRLF line endings.
    pub fn body(&self) -> &[u8] {
        &self.data[self.body_start..]
    }

    /// The header block (every field, without the empty line).
    pub fn header_block(&self) -> &[u8] {
        let end = self.fields.last().map_or(0, |f| f.whole.end);
        &self.data[..end]
    }
}

/// The value of a whole field: after the first colon, without the final CRLF.
pub(crate) fn field_value(whole: &[u8]) -> &[u8] {
    let start = whole.iter().position(|&b| b == b':').map_or(0, |i| i + 1);
    let end = if whole.ends_with(b"\r\n") {
        whole.len() - 2
    } else {
        whole.len()
    };
    &whole[start.min(end)..end]
}

fn find_crlf(data: &[u8], from: usize) -> Option<usize> {
    data.get(from..)?
        .windows(2)
        .position(|w| w == b"\r\n")
        .map(|i| i + from)
}

/// The input with every lone LF turned into CRLF, and which line endings it had.
fn to_crlf(input: &[u8]) -> (Vec<u8>, LineEndings) {
    let mut crlf = 0usize;
    let mut lone = 0usize;
    for (i, &b) in input.iter().enumerate() {
        if b == b'\n' {
            if i > 0 && input[i - 1] == b'\r' {
                crlf += 1;
            } else {
                lone += 1;
            }
        }
    }
    let endings = match (crlf, lone) {
        (_, 0) => LineEndings::Crlf,
        (0, _) => LineEndings::Lf,
        _ => LineEndings::Mixed,
    };
    if lone == 0 {
        return (input.to_vec(), endings);
    }
    let mut out = Vec::with_capacity(input.len() + lone);
    for (i, &b) in input.iter().enumerate() {
        if b == b'\n' && (i == 0 || input[i - 1] != b'\r') {
            out.push(b'\r');
        }
        out.push(b);
    }
    (out, endings)
}

/// Undoes mboxrd quoting (`>From ` → `From `, `>>From ` → `>From `) in the message after the
/// mbox `From ` line, and refuses a second message: in an mbox a line starting with `From `
/// after an empty line starts the next message.
fn mbox_unquote(data: Vec<u8>) -> Result<(Vec<u8>, usize), MessageError> {
    let mut out = Vec::with_capacity(data.len());
    let mut unquoted = 0;
    let mut previous_empty = false;
    let mut line_number = 1; // the From line itself
    let mut start = 0;
    while start < data.len() {
        line_number += 1;
        let end = find_crlf(&data, start).map_or(data.len(), |i| i + 2);
        let line = &data[start..end];
        if line.starts_with(b"From ") && previous_empty {
            return Err(MessageError::SeveralMessages { line: line_number });
        }
        let quotes = line.iter().take_while(|&&b| b == b'>').count();
        if quotes > 0 && line[quotes..].starts_with(b"From ") {
            out.extend_from_slice(&line[1..]);
            unquoted += 1;
        } else {
            out.extend_from_slice(line);
        }
        previous_empty = line == b"\r\n";
        start = end;
    }
    Ok((out, unquoted))
}

/// Splits the header block into fields; returns them and where the body starts.
fn split_fields(data: &[u8]) -> Result<(Vec<Field>, usize), MessageError> {
    let mut fields: Vec<Field> = Vec::new();
    let mut start = 0;
    loop {
        if start >= data.len() {
            return Ok((fields, data.len()));
        }
        let end = find_crlf(data, start).map_or(data.len(), |i| i + 2);
        let line = &data[start..end];
        if line == b"\r\n" {
            return Ok((fields, end));
        }
        let continues = WSP.contains(&line[0]);
        match fields.last_mut() {
            Some(last) if continues => last.whole.end = end,
            _ => {
                let colon = line.iter().position(|&b| b == b':');
                let name_end = colon.unwrap_or(line.len());
                let name = &line[..name_end];
                let name_len =
                    name.len() - name.iter().rev().take_while(|b| WSP.contains(b)).count();
                if fields.is_empty() && (continues || colon.is_none() || name_len == 0) {
                    let text = String::from_utf8_lossy(&line[..line.len().min(60)]);
                    return Err(MessageError::NotAMessage {
                        line: text.trim_end().to_string(),
                    });
                }
                if fields.len() >= MAX_HEADER_FIELDS {
                    return Err(MessageError::TooManyHeaderFields {
                        limit: MAX_HEADER_FIELDS,
                    });
                }
                // A line without a colon cannot be selected by any h= name (its "name" is
                // the whole line); verifiers differ on it, and it is kept so the fields
                // around it stay where they were.
                fields.push(Field {
                    name: start..start + name_len,
                    whole: start..end,
                });
            }
        }
        start = end;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lf_input_is_read_as_crlf_with_folded_fields() {
        let m = Message::parse(b"From: a@example.com\nSubject: one\n two\n\nbody\n").unwrap();
        assert_eq!(m.line_endings, LineEndings::Lf);
        let fields: Vec<_> = m.fields().collect();
        assert_eq!(fields.len(), 2);
        assert_eq!(fields[1].0, b"Subject");
        assert_eq!(fields[1].1, b"Subject: one\r\n two\r\n");
        assert_eq!(m.body(), b"body\r\n");
        assert_eq!(m.last_value("subject"), Some(&b" one\r\n two"[..]));
    }

    #[test]
    fn mbox_from_line_is_dropped_and_body_unquoted() {
        let m = Message::parse(
            b"From alice@example.com Thu Jan  1 00:00:00 2026\r\nFrom: a@example.com\r\n\r\n>From here\r\n>>From there\r\n",
        )
        .unwrap();
        assert_eq!(m.format, SourceFormat::Mbox);
        assert_eq!(m.body(), b"From here\r\n>From there\r\n");
        assert!(m.notes.iter().any(|n| n.contains("unquoted")));
    }

    #[test]
    fn a_second_mbox_message_is_refused() {
        let err = Message::parse(
            b"From a Thu\nFrom: a@example.com\n\nbody\n\nFrom b Fri\nFrom: b@example.com\n\nx\n",
        )
        .unwrap_err();
        assert_eq!(err, MessageError::SeveralMessages { line: 6 });
    }

    #[test]
    fn what_is_not_a_message_is_refused_in_one_sentence() {
        assert_eq!(Message::parse(b"").unwrap_err(), MessageError::Empty);
        assert!(matches!(
            Message::parse(b"hello world\n").unwrap_err(),
            MessageError::NotAMessage { .. }
        ));
        assert!(matches!(
            Message::parse(b" folded: first\n").unwrap_err(),
            MessageError::NotAMessage { .. }
        ));
    }

    #[test]
    fn headers_without_body() {
        let m = Message::parse(b"From: a@example.com\r\n").unwrap();
        assert_eq!(m.field_count(), 1);
        assert_eq!(m.body(), b"");
    }
}
