//! Storage for a name's wire form: inline up to [`INLINE_CAP`] octets, on the heap beyond.
//!
//! Host names, name servers, mail exchangers and most DKIM selectors (`s1._domainkey.` plus
//! a short domain) fit inline, so parsing a message allocates nothing for them. The type is
//! 32 octets, like the `Vec` it replaces, so records stay small and types that hold several
//! names (errors, checks in other crates) do not grow. Measured on this machine (instruction
//! counts under callgrind, parse + visit): a 62-octet inline capacity (64-octet type) saves
//! the allocation for 32-character SES tokens under `._domainkey.` (about 25% fewer
//! instructions on an SES answer and 40% on a message of 240 long owners), but doubles the
//! size of every type that holds names, which trips clippy's size lints in other crates;
//! raising [`INLINE_CAP`] is the one change needed to trade the other way.
//!
//! Longer names parsed as part of a message do not get an allocation each: the parser appends
//! them to one buffer per message and they share it ([`NameBuf::Shared`], an `Arc`), so a
//! message of 240 long owners costs one allocation, not 240. Names built by hand or by the
//! standalone `parse::name` go on the heap ([`NameBuf::Heap`]).

use std::ops::Deref;
use std::sync::Arc;

/// Octets stored without allocating.
pub(crate) const INLINE_CAP: usize = 30;

#[derive(Clone)]
pub(crate) enum NameBuf {
    /// The common case: no allocation.
    Inline { len: u8, bytes: [u8; INLINE_CAP] },
    /// A long name built or parsed on its own.
    Heap(Box<[u8]>),
    /// A long name parsed as part of a message: `len` octets at `start` of a buffer that all
    /// long names of that message share (one allocation per message, not per name).
    Shared {
        arena: Arc<[u8]>,
        start: u32,
        len: u8,
    },
    /// A long name whose octets are at `start` of the arena of the message being parsed; the
    /// parser turns it into [`NameBuf::Shared`] before the message is returned, so no
    /// `Pending` name ever leaves the parser.
    Pending { start: u32, len: u8 },
}

impl NameBuf {
    pub(crate) const EMPTY: NameBuf = NameBuf::Inline {
        len: 0,
        bytes: [0; INLINE_CAP],
    };

    #[inline]
    pub(crate) fn from_slice(data: &[u8]) -> Self {
        if data.len() <= INLINE_CAP {
            let mut bytes = [0u8; INLINE_CAP];
            bytes[..data.len()].copy_from_slice(data);
            NameBuf::Inline {
                len: data.len() as u8,
                bytes,
            }
        } else {
            NameBuf::Heap(data.into())
        }
    }

    /// The first `len` octets of `buf`; copies a fixed-size block when the name fits inline
    /// (the octets after `len` are never read).
    #[inline]
    pub(crate) fn from_prefix<const N: usize>(buf: &[u8; N], len: usize) -> Self {
        match buf.first_chunk::<INLINE_CAP>() {
            Some(block) if len <= INLINE_CAP => NameBuf::Inline {
                len: len as u8,
                bytes: *block,
            },
            _ => NameBuf::Heap(buf[..len.min(N)].into()),
        }
    }

    /// A name parked at `start` of the arena of the message being parsed.
    pub(crate) fn pending(start: usize, len: usize) -> Self {
        NameBuf::Pending {
            start: start as u32,
            len: len as u8,
        }
    }

    /// Turns a parked name into its final form, taken from `store`.
    pub(crate) fn resolve(&mut self, store: &mut ParkedNames<'_>) {
        if let NameBuf::Pending { start, len } = *self {
            *self = store.take(start, len);
        }
    }

    /// `self` followed by `parts`, in one buffer.
    pub(crate) fn concat(&self, parts: &[&[u8]]) -> Self {
        let total = self.len() + parts.iter().map(|p| p.len()).sum::<usize>();
        if total <= INLINE_CAP {
            let mut bytes = [0u8; INLINE_CAP];
            let mut at = self.len();
            bytes[..at].copy_from_slice(self);
            for p in parts {
                bytes[at..at + p.len()].copy_from_slice(p);
                at += p.len();
            }
            NameBuf::Inline {
                len: total as u8,
                bytes,
            }
        } else {
            let mut v = Vec::with_capacity(total);
            v.extend_from_slice(self);
            for p in parts {
                v.extend_from_slice(p);
            }
            NameBuf::Heap(v.into_boxed_slice())
        }
    }
}

/// The long names a message parked in its arena, handed out once the message is parsed.
///
/// Every handed-out name shares one exact-size copy of the arena, except that the last one
/// takes that copy over instead of cloning it, and a message with a single long name gives it
/// its own copy: reference-count updates are atomic operations, which cost as much as the
/// rest of decoding a short name.
pub(crate) struct ParkedNames<'a> {
    arena: &'a [u8],
    shared: Option<Arc<[u8]>>,
    left: usize,
}

impl<'a> ParkedNames<'a> {
    /// The `count` names parked in `arena`.
    pub(crate) fn new(arena: &'a [u8], count: usize) -> Self {
        ParkedNames {
            arena,
            shared: (count > 1).then(|| Arc::from(arena)),
            left: count,
        }
    }

    fn take(&mut self, start: u32, len: u8) -> NameBuf {
        self.left = self.left.saturating_sub(1);
        let shared = if self.left == 0 {
            self.shared.take()
        } else {
            self.shared.clone()
        };
        match shared {
            Some(arena) => NameBuf::Shared { arena, start, len },
            None => {
                let start = start as usize;
                let octets = self.arena.get(start..start + usize::from(len));
                NameBuf::Heap(octets.unwrap_or_default().into())
            }
        }
    }
}

impl Deref for NameBuf {
    type Target = [u8];

    #[inline]
    fn deref(&self) -> &[u8] {
        match self {
            NameBuf::Inline { len, bytes } => &bytes[..usize::from(*len).min(INLINE_CAP)],
            NameBuf::Heap(b) => b,
            NameBuf::Shared { arena, start, len } => {
                let start = *start as usize;
                arena
                    .get(start..start + usize::from(*len))
                    .unwrap_or_default()
            }
            // Unreachable outside the parser (see the variant); empty rather than a panic.
            NameBuf::Pending { .. } => &[],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_up_to_the_cap_then_heap() {
        assert_eq!(std::mem::size_of::<NameBuf>(), INLINE_CAP + 2);
        let small = NameBuf::from_slice(&[1; INLINE_CAP]);
        assert!(matches!(small, NameBuf::Inline { .. }));
        assert_eq!(&*small, &[1; INLINE_CAP][..]);
        let big = small.concat(&[&[2], &[3, 4]]);
        assert!(matches!(big, NameBuf::Heap(_)));
        assert_eq!(big.len(), INLINE_CAP + 3);
        assert_eq!(&big[INLINE_CAP..], &[2, 3, 4]);
        let back = NameBuf::from_slice(&big[..10]);
        assert!(matches!(back, NameBuf::Inline { len: 10, .. }));
        assert!(NameBuf::EMPTY.is_empty());
    }
}
