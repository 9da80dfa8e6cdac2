//! PLACEHOLDER: replaced by the codec work (issue 2).
use crate::{Message, ParseError, ParseErrorKind};
pub(crate) fn parse_message(_bytes: &[u8]) -> Result<Message, ParseError> {
    Err(ParseError {
        kind: ParseErrorKind::Truncated,
        offset: 0,
    })
}
