//! Storage for a name's wire form: inline up to [`INLINE_CAP`] octets, on the heap beyond.
//!
//! Host names, name servers, mail exchangers and most DKIM selectors (`s1._domainkey.` plus
//! a short domain) fit inline, so parsing a message allocates nothing for them. The type is
//! 32 octets, like the `Vec` it replaces, so records stay small. Longer names get an exact-size
//! heap copy each.
//!
//! These choices were measured (parse + visit, wall clock, 2026-11-26; see BENCHMARKS.md):
//! - A 62-octet inline capacity (64-octet type) keeps 32-character SES tokens under
//!   `._domainkey.` inline and made the SES answer 10% faster, but every record grows by a
//!   third or more, and other messages got slower (a referral with glue by 13%).
//! - The long names of a message used to share one reference-counted buffer (one allocation
//!   per message instead of one per long name). Separate copies were faster on the SES answer
//!   (by 10%) and on generated answers of 3 to 17 long names, about as fast on 240 long owners
//!   (within the noise), and took fewer instructions on every corpus message but that one: the
//!   atomic reference-count updates and the pass that handed the buffer out cost more than the
//!   allocations they saved.
//! - Storing the inline length as a 32-value enum lets the compiler tell the variants apart
//!   by its unused values, so 31 octets fit inline instead of 30; it took fewer instructions
//!   but more time (1-8% on the seven messages timed, even on the one whose 31-octet name it
//!   kept inline), the variant test being an extra comparison on every access.

use std::ops::Deref;

/// Octets stored without allocating.
pub(crate) const INLINE_CAP: usize = 30;

#[derive(Clone)]
pub(crate) enum NameBuf {
    /// The common case: no allocation.
    Inline { len: u8, bytes: [u8; INLINE_CAP] },
    /// A longer name.
    Heap(Box<[u8]>),
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

impl Deref for NameBuf {
    type Target = [u8];

    #[inline]
    fn deref(&self) -> &[u8] {
        match self {
            NameBuf::Inline { len, bytes } => &bytes[..usize::from(*len).min(INLINE_CAP)],
            NameBuf::Heap(b) => b,
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
