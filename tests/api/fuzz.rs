//! Property-based fuzzing of the running binary, driven by its own OpenAPI document:
//! schemathesis (from PyPI, installed here into a virtualenv under cargo's target folder)
//! generates a bounded number of requests per operation, authenticated as a real user, and
//! the run must see no 5xx and the server must survive it.

use std::path::PathBuf;
use std::process::Command;

use crate::helpers::Api;
use crate::live::Remote;
use crate::server::Server;

const SCHEMATHESIS: &str = "schemathesis==4.32.5";

/// The schemathesis executable, installing it on first use.
fn schemathesis() -> PathBuf {
    let exe = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("fuzz-venv/bin/schemathesis");
    if exe.exists() {
        return exe;
    }
    let bin = crate::helpers::pip_install("fuzz-venv", SCHEMATHESIS);
    bin.unwrap_or_else(|| panic!("pip install {SCHEMATHESIS} failed"))
        .join("schemathesis")
}

#[test]
fn schemathesis_finds_no_server_error() {
    let exe = schemathesis();
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start(dir.path());
    let remote = Remote::at(&server.base);
    let token = remote.user("fuzzer").token;
    let out = Command::new(exe)
        .arg("run")
        .arg(format!("{}/api/openapi.json", server.base))
        .args([
            "--checks",
            "not_a_server_error",
            "--max-examples",
            "20",
            "--seed",
            "1",
        ])
        .args(["--request-timeout", "5"])
        .args(["--header", &format!("Authorization: Bearer {token}")])
        // Streams never end; logging out would make the rest of the run unauthenticated.
        .args([
            "--exclude-path",
            "/api/auth/events",
            "--exclude-path",
            "/api/events",
        ])
        .args(["--exclude-path", "/api/auth/logout"])
        .env("NO_COLOR", "1")
        // schemathesis keeps a cache in its working folder: not in the repository.
        .current_dir(dir.path())
        .output()
        .expect("run schemathesis");
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "schemathesis found problems:\n{report}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(report.contains("passed"), "{report}");
    assert!(
        server.child.try_wait().unwrap().is_none(),
        "the server survived the run"
    );
    // And it still serves: the user logs in.
    remote.login("fuzzer");
}
