//! The shipped profiles give the same bytes from one release to the next.
//!
//! A refactoring of the profile reader, the generators or the cache planner
//! must not move a single value: the checksums below were taken from
//! `seed --out` (the `.copy` files) and `warm --resp` before such a change.
//! When a change is *meant* to alter the data (a new shipped column, a
//! different default), update the checksum in the same commit and say so.

use std::path::Path;

use sha2::{Digest, Sha256};

use crate::support::seedkit;

/// (profile, SHA-256 of its `.copy` files in name order, SHA-256 of its RESP file).
const GOLDEN: &[(&str, &str, &str)] = &[
    (
        "ci",
        "e8a253bebf38f9a89acbd2b4a2a0b078e86702c0e9113805c08bc9afb1856c0f",
        "69c02eb00b836cd5b7b9d35d7e2f29068686e8705d91d61836e0d877cf0ae8ef",
    ),
    (
        "small",
        "1a01b130722b0f3e45d4e8a27b3db201731155d1c5199731900b5890251f5309",
        "c3d079b585005a6750bb809ed7d955e569614b638a88ef5b9a1da2200227cf69",
    ),
    (
        "default",
        "70b3a3f4731f55001e0f680b6773a8ef519082d63115140824a275c5655bd725",
        "6eda9c9c0930b55b8a1389042f392dd70c0fba9f0f6a5025d84c4fac5fd54613",
    ),
];

fn sha256_of_copy_files(dir: &Path) -> String {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "copy"))
        .collect();
    files.sort();
    assert!(files.len() > 5, "seed --out wrote {files:?}");
    let mut hasher = Sha256::new();
    for file in files {
        hasher.update(std::fs::read(file).unwrap());
    }
    hex::encode(hasher.finalize())
}

#[test]
fn shipped_profiles_give_the_recorded_rows_and_keys() {
    let dir = tempfile::tempdir().unwrap();
    let mut differences = Vec::new();
    for (profile, rows, keys) in GOLDEN {
        let out_dir = dir.path().join(profile);
        seedkit()
            .args(["seed", "--profile", profile, "--out"])
            .arg(&out_dir)
            .run()
            .success();
        let got_rows = sha256_of_copy_files(&out_dir);
        let resp = dir.path().join(format!("{profile}.resp"));
        seedkit()
            .args(["warm", "--profile", profile, "--resp"])
            .arg(&resp)
            .run()
            .success();
        let got_keys = hex::encode(Sha256::digest(std::fs::read(&resp).unwrap()));
        if got_rows != *rows {
            differences.push(format!("{profile}: rows {got_rows}, recorded {rows}"));
        }
        if got_keys != *keys {
            differences.push(format!("{profile}: keys {got_keys}, recorded {keys}"));
        }
    }
    assert!(differences.is_empty(), "{}", differences.join("\n"));
}
