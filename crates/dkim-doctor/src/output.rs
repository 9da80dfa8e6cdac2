//! Writing to stdout and stderr without panicking: a closed pipe on stdout (`| head`) ends the
//! output quietly instead of being an error.

use std::io::{self, Write};

/// Standard output that remembers whether the reader went away.
pub struct Stdout {
    inner: io::BufWriter<io::Stdout>,
    closed: bool,
}

impl Default for Stdout {
    fn default() -> Self {
        Self::new()
    }
}

impl Stdout {
    /// Buffered standard output.
    pub fn new() -> Self {
        Stdout {
            inner: io::BufWriter::new(io::stdout()),
            closed: false,
        }
    }

    /// Writes `text` and flushes, so each report (or bulk line) reaches the reader as soon as
    /// it is complete. Returns false once the reader has closed the pipe; later writes are
    /// dropped.
    pub fn write(&mut self, text: &str) -> bool {
        if self.closed {
            return false;
        }
        let result = self
            .inner
            .write_all(text.as_bytes())
            .and_then(|()| self.inner.flush());
        match result {
            Ok(()) => true,
            Err(_) => {
                // Broken pipe, or stdout gone in any other way: nobody is reading, so there is
                // nobody to tell; stop writing and let the exit code speak.
                self.closed = true;
                false
            }
        }
    }

    /// Whether the reader has gone away.
    pub fn is_closed(&self) -> bool {
        self.closed
    }
}

/// Writes a line to stderr, ignoring failure (there is nowhere left to report it). The line
/// and its newline go in one write (stderr is unbuffered: `writeln!` makes two), so a server
/// logging every request makes one system call per line.
pub fn eprint_line(text: &str) {
    let mut line = String::with_capacity(text.len() + 1);
    line.push_str(text);
    line.push('\n');
    let _ = io::stderr().lock().write_all(line.as_bytes());
}

/// Longest error line on stderr, in characters: room for one sentence with a quoted excerpt
/// of the input, or for the list of known SES regions that refuses an unknown one.
pub const ERROR_LINE_CHARS: usize = 300;

/// An error as one line of at most [`ERROR_LINE_CHARS`] characters: line breaks become spaces
/// and a longer text is cut with an ellipsis, so an error never floods a terminal or a log
/// whatever the input held.
pub fn error_line(text: &str) -> String {
    let flat: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if flat.chars().count() <= ERROR_LINE_CHARS {
        return flat;
    }
    let mut cut: String = flat.chars().take(ERROR_LINE_CHARS - 1).collect();
    cut.push('…');
    cut
}

/// Writes an error to stderr as one short line ([`error_line`]).
pub fn eprint_error(text: &str) {
    eprint_line(&error_line(text));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_one_short_line() {
        assert_eq!(error_line("a\nb"), "a b");
        let long = error_line(&"x".repeat(50_000));
        assert_eq!(long.chars().count(), ERROR_LINE_CHARS);
        assert!(long.ends_with('…'));
    }
}
