//! The checksum that detects an edited migration file.
//!
//! SHA-256 of the up script, hex-encoded, with every CRLF turned into LF
//! first: a checkout on Windows (git `autocrlf`) must not look like an edit
//! (sqlx#2659). Nothing else is normalised: any other change is drift.

use sha2::{Digest, Sha256};

/// Hex SHA-256 of `script` with CRLF line endings normalised to LF.
pub fn checksum(script: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(script.replace("\r\n", "\n").as_bytes());
    hex::encode(hasher.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crlf_and_lf_hash_the_same() {
        assert_eq!(
            checksum("SELECT 1;\r\nSELECT 2;\r\n"),
            checksum("SELECT 1;\nSELECT 2;\n")
        );
    }

    #[test]
    fn any_other_edit_changes_the_checksum() {
        assert_ne!(checksum("SELECT 1;\n"), checksum("SELECT 1; \n"));
        assert_eq!(
            checksum(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
