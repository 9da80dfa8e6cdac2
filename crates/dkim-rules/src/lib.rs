//! Pure DKIM diagnosis (no I/O).
