//! A user's notification settings (API.md §15): the ntfy topic they are told on.

use serde::Serialize;
use utoipa::ToSchema;

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_shows_only_its_last_four_characters() {
        assert_eq!(mask("tk_abcdefghijk9Qx"), "••••k9Qx");
        assert_eq!(mask("short"), "••••");
    }
}
