//! Web Push (RFC 8030): the payload encrypted for the browser (RFC 8291 `aes128gcm`), signed
//! with the server's VAPID key (RFC 8292), with `TTL`, `Urgency` and `Topic` (the
//! conversation: the push service keeps only the newest per topic while a device is away).

use std::time::Duration;

use serde_json::json;
use web_push_native::WebPushBuilder;

use super::vapid::Vapid;
use super::{deep_link, Outcome, Shown};
use crate::db::notify::Subscription;
use crate::domain::notifications::keys;

/// How long a push service keeps a notification for a device that is away.
pub const TTL: Duration = Duration::from_secs(86_400);

/// What the service worker receives (JSON, encrypted): it shows `title` and `body`, groups
/// by `tag`, and opens `url` when tapped.
pub fn payload(shown: &Shown) -> String {
    json!({
        "title": shown.title,
        "body": shown.body,
        "tag": shown.conversation,
        "url": deep_link("", shown.conversation),
    })
    .to_string()
}

/// Sends `shown` to `sub`; `contact` is VAPID's `sub` claim.
pub fn send(
    agent: &ureq::Agent,
    vapid: &Vapid,
    contact: &str,
    sub: &Subscription,
    shown: &Shown,
) -> Outcome {
    let (Some((public, auth)), Ok(endpoint)) = (keys(&sub.p256dh, &sub.auth), sub.endpoint.parse())
    else {
        return Outcome::Gone;
    };
    let request = WebPushBuilder::new(endpoint, public, auth)
        .with_valid_duration(TTL)
        .with_vapid(&vapid.key, contact)
        .build(payload(shown));
    let mut request = match request {
        Ok(r) => r,
        Err(e) => {
            tracing::warn!("notifications: cannot build a push request: {e}");
            return Outcome::Refused;
        }
    };
    let headers = request.headers_mut();
    let urgency = if shown.mentioned { "high" } else { "normal" };
    headers.insert("Urgency", ureq::http::HeaderValue::from_static(urgency));
    if let Ok(topic) = ureq::http::HeaderValue::from_str(&shown.conversation.to_string()) {
        headers.insert("Topic", topic);
    }
    let answer = agent.run(request).map(|res| res.status().as_u16());
    Outcome::of(answer, "a push service", true)
}
