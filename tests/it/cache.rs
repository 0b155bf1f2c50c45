//! Tests for this area (see tests/it/main.rs).
