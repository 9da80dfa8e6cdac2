//! Check requests already read. Reading a body into a check (JSON, then the tokens, selectors
//! or SES export read as the command line reads them) is a pure function of the body, and most
//! of the work of a request answered from the report cache: a body seen before is not read
//! again. Bounded: small bodies only (a domain and its tokens is about 200 bytes; exports are
//! read every time), and at most as many as the report cache keeps, forgotten all at once
//! beyond that.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::body::Bytes;

use crate::input::CheckInput;

/// Bodies longer than this are read every time.
const MAX_BODY: usize = 1024;

/// A body read into a check.
#[derive(Debug)]
pub struct ReadCheck {
    /// The report cache's key: the check and the notes on how its input was read.
    pub key: Arc<str>,
    /// The check.
    pub input: CheckInput,
}

/// Bodies read, per endpoint.
#[derive(Debug)]
pub struct ReadChecks {
    read: Mutex<[HashMap<Bytes, Arc<ReadCheck>>; 2]>,
    max_entries: usize,
}

impl ReadChecks {
    /// Keeps at most `max_entries` bodies per endpoint.
    pub fn new(max_entries: usize) -> ReadChecks {
        ReadChecks {
            read: Mutex::new([HashMap::new(), HashMap::new()]),
            max_entries,
        }
    }

    fn lock(&self) -> MutexGuard<'_, [HashMap<Bytes, Arc<ReadCheck>>; 2]> {
        // Each update is one insert or clear: a poisoned lock still holds consistent maps.
        self.read.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The check `body` was read into before at endpoint `endpoint` (0 or 1).
    pub fn get(&self, endpoint: usize, body: &[u8]) -> Option<Arc<ReadCheck>> {
        self.lock()[endpoint].get(body).cloned()
    }

    /// Remembers that `body` reads into `read` at `endpoint`.
    pub fn insert(&self, endpoint: usize, body: &[u8], read: &Arc<ReadCheck>) {
        if body.len() > MAX_BODY || self.max_entries == 0 {
            return;
        }
        let mut maps = self.lock();
        let map = &mut maps[endpoint];
        if map.len() >= self.max_entries {
            map.clear();
        }
        // A copy: the request's own buffer may be larger than its body.
        map.insert(Bytes::copy_from_slice(body), Arc::clone(read));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(key: &str) -> Arc<ReadCheck> {
        Arc::new(ReadCheck {
            key: key.into(),
            input: crate::service::selector_check("example.com", &["s1"]).unwrap(),
        })
    }

    #[test]
    fn bodies_are_kept_per_endpoint_small_and_bounded() {
        let checks = ReadChecks::new(2);
        checks.insert(0, b"a", &read("ka"));
        assert_eq!(&*checks.get(0, b"a").unwrap().key, "ka");
        assert!(checks.get(1, b"a").is_none(), "another endpoint");
        checks.insert(0, &[b' '; MAX_BODY + 1], &read("big"));
        assert!(checks.get(0, &[b' '; MAX_BODY + 1]).is_none());
        checks.insert(0, b"b", &read("kb"));
        checks.insert(0, b"c", &read("kc"));
        assert!(checks.lock()[0].len() <= 2);
        assert_eq!(&*checks.get(0, b"c").unwrap().key, "kc");
    }
}
