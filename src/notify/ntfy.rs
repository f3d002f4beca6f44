//! ntfy (https://ntfy.sh, or one's own on the LAN): a POST of the text to the user's topic
//! URL with `Title`, `Priority`, `Tags`, `Click` and `Cache: no`.

use base64::Engine;

use super::{deep_link, Outcome, Shown};

/// A header value as ntfy reads it: ASCII as is, anything else RFC 2047-encoded (ntfy
/// decodes `=?UTF-8?B?…?=`).
pub fn header_text(text: &str) -> String {
    if text.is_ascii() && !text.chars().any(char::is_control) {
        return text.to_string();
    }
    let b64 = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
    format!("=?UTF-8?B?{b64}?=")
}

/// Posts `shown` to `url`; `click` is the web app's address for the deep link.
pub fn send(
    agent: &ureq::Agent,
    url: &str,
    token: Option<&str>,
    shown: &Shown,
    click: Option<&str>,
) -> Outcome {
    let mut req = agent
        .post(url)
        .header("Title", header_text(&shown.title))
        .header("Priority", if shown.mentioned { "high" } else { "default" })
        .header("Tags", "speech_balloon")
        .header("Cache", "no");
    if let Some(base) = click {
        req = req.header("Click", deep_link(base, shown.conversation));
    }
    if let Some(token) = token {
        req = req.header("Authorization", format!("Bearer {token}"));
    }
    let answer = req
        .send(shown.body.as_str())
        .map(|res| res.status().as_u16());
    Outcome::of(answer, "the ntfy server", false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_ascii_titles_are_encoded_for_a_header() {
        assert_eq!(header_text("family"), "family");
        assert_eq!(header_text("家"), "=?UTF-8?B?5a62?=");
    }
}
