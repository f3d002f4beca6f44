//! A user's notification settings (API.md §15): the ntfy topic they are told on.

use serde::Serialize;
use utoipa::ToSchema;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use web_push_native::{p256, Auth};

use crate::config::is_web_url;
use crate::db::notify::{self, Settings};
use crate::db::Db;
use crate::error::Error;
use crate::ids::UserId;

/// The settings as the API shows them: the token masked.
#[derive(Debug, Serialize, ToSchema)]
pub struct SettingsView {
    /// The ntfy topic URL (`https://ntfy.sh/my-secret-topic`), or `null`: not told by ntfy.
    #[schema(example = "https://ntfy.sh/zhang-family-7f3c")]
    pub ntfy_url: Option<String>,
    /// The access token, masked to its last 4 characters (`••••abcd`), or `null`.
    #[schema(example = "••••k9Qx")]
    pub ntfy_token: Option<String>,
    /// Notifications show who wrote what (the default), else only `你收到一条新消息`.
    pub show_content: bool,
}

impl SettingsView {
    fn of(s: Settings) -> SettingsView {
        SettingsView {
            ntfy_url: s.ntfy_url,
            ntfy_token: s.ntfy_token.as_deref().map(mask),
            show_content: s.show_content,
        }
    }
}

/// `••••` and the last 4 characters (all of a token of 8 or fewer is hidden).
fn mask(token: &str) -> String {
    let chars: Vec<char> = token.chars().collect();
    let tail: String = if chars.len() > 8 {
        chars[chars.len() - 4..].iter().collect()
    } else {
        String::new()
    };
    format!("••••{tail}")
}

/// A settings change as sent: `None` fields are cleared (an empty string too).
#[derive(Debug)]
pub struct Change<'a> {
    pub ntfy_url: Option<&'a str>,
    pub ntfy_token: Option<&'a str>,
    pub show_content: bool,
}

pub async fn get(db: &Db, me: UserId) -> Result<SettingsView, Error> {
    db.read(move |conn| notify::settings(conn, me).map(SettingsView::of))
        .await
}

/// Checks and stores the settings. The URL must be `http(s)://` with a host (≤ 512
/// characters); the token 1–256 printable ASCII characters without spaces (it travels in a
/// header). A token without a URL is refused.
pub async fn set(db: &Db, me: UserId, change: Change<'_>) -> Result<SettingsView, Error> {
    let url = change.ntfy_url.map(str::trim).filter(|u| !u.is_empty());
    if url.is_some_and(|u| !is_web_url(u)) {
        return Err(Error::bad_request("ntfy_url 须为 http:// 或 https:// 地址"));
    }
    let token = change.ntfy_token.map(str::trim).filter(|t| !t.is_empty());
    let printable = |t: &str| t.len() <= 256 && t.bytes().all(|b| b.is_ascii_graphic());
    if token.is_some_and(|t| !printable(t)) {
        return Err(Error::bad_request("ntfy_token 须为1–256个可见 ASCII 字符"));
    }
    if token.is_some() && url.is_none() {
        return Err(Error::bad_request("设置 ntfy_token 须同时设置 ntfy_url"));
    }
    let settings = Settings {
        ntfy_url: url.map(String::from),
        ntfy_token: token.map(String::from),
        show_content: change.show_content,
    };
    db.write(move |conn| {
        notify::set_settings(conn, me, &settings)?;
        Ok(SettingsView::of(settings))
    })
    .await
}

/// Keeps a browser's push subscription for `me`: `endpoint` an `http(s)://` URL, the keys
/// a P-256 public key and a 16-byte secret (base64url), else `400`.
pub async fn subscribe(
    db: &Db,
    me: UserId,
    endpoint: &str,
    p256dh: &str,
    auth: &str,
) -> Result<(), Error> {
    if !is_web_url(endpoint) {
        return Err(Error::bad_request("endpoint 须为 http:// 或 https:// 地址"));
    }
    if keys(p256dh, auth).is_none() {
        return Err(Error::bad_request("keys 无效"));
    }
    let sub = notify::Subscription {
        endpoint: endpoint.to_string(),
        p256dh: p256dh.to_string(),
        auth: auth.to_string(),
    };
    let clock = db.clock();
    db.write(move |conn| notify::subscribe(conn, me, &sub, clock.now_ms()))
        .await
}

/// Forgets `me`'s subscription at `endpoint` (none there is fine).
pub async fn unsubscribe(db: &Db, me: UserId, endpoint: &str) -> Result<(), Error> {
    let endpoint = endpoint.to_string();
    db.write_freeing(move |conn| notify::unsubscribe(conn, me, &endpoint).map(drop))
        .await
}

/// A subscription's keys as the browser gave them (base64url): `None` unless `p256dh` is a
/// P-256 public key and `auth` 16 bytes.
pub fn keys(p256dh: &str, auth: &str) -> Option<(p256::PublicKey, Auth)> {
    let decode = |t: &str| URL_SAFE_NO_PAD.decode(t.trim_end_matches('=')).ok();
    let public = p256::PublicKey::from_sec1_bytes(&decode(p256dh)?).ok()?;
    let auth = decode(auth).filter(|a| a.len() == 16)?;
    let mut secret = Auth::default();
    secret.copy_from_slice(&auth);
    Some((public, secret))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_shows_only_its_last_four_characters() {
        assert_eq!(mask("tk_abcdefghijk9Qx"), "••••k9Qx");
        assert_eq!(mask("short"), "••••");
    }
}
