//! Parse errors: what was wrong and at which byte offset.

/// What was wrong with a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParseErrorKind {
    /// The message ended before a field was complete.
    Truncated,
}

/// A message could not be parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("malformed DNS message at byte {offset}: {kind:?}")]
pub struct ParseError {
    /// What was wrong.
    pub kind: ParseErrorKind,
    /// Byte offset from the start of the message where it was found.
    pub offset: usize,
}
