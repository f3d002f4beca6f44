//! §15 notifications through the real server on a loopback port, delivered to a local
//! ntfy-style receiver the test starts: headers and body, who is told and who is not, a burst
//! folded into one, retries, and the settings API.

mod ntfy;
mod receiver;
mod restart;
mod settings;
mod webpush;

use std::time::Duration;

use serde_json::{json, Value};

use crate::helpers::{Api, Resp, User};
use crate::live::LiveApp;
use receiver::{decoded, Receiver};

/// Long enough for the notifier's collapse window (1 s) and a few rounds.
const ARRIVES: Duration = Duration::from_secs(6);

fn set_ntfy(app: &LiveApp, who: &User, settings: Value) -> Resp {
    app.put("/api/auth/me/notifications", &who.token, settings)
}

/// `who` is told at `url` (with content shown).
fn told_at(app: &LiveApp, who: &User, url: &str) {
    set_ntfy(app, who, json!({"ntfy_url": url})).expect(200, "success");
}
