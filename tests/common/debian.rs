//! Debian packages a test needs on the machine (Chromium, rsync), installed with `apt-get`
//! when missing and we may (as root), so that `cargo test` works on a fresh machine as well
//! as under `.ci/run`, which installs them up front.

use std::path::Path;
use std::process::Command;

/// Makes sure `exe` is on the machine, installing Debian's `package` when it is missing;
/// panics, saying what to install, when it cannot.
pub fn ensure(exe: &Path, package: &str, hint: &str) {
    if exe.exists() {
        return;
    }
    let installed = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "command -v apt-get >/dev/null && [ \"$(id -u)\" = 0 ] && \
             (apt-get update -qq || true) && \
             DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends {package}"
        ))
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        installed && exe.exists(),
        "{} is missing and could not be installed: run `apt-get install {package}`{hint}",
        exe.display()
    );
}
