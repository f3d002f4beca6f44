//! Signed, expiring, per-viewer file URLs (API.md §12, "Downloading"): what lets `<img>`,
//! `<audio>` and download links fetch a file without an `Authorization` header, and without
//! ever putting a token in a URL.
//!
//! A URL names the file, the variant (original or thumbnail), the viewer it was made for and
//! when it expires, and carries `sig`, an HMAC-SHA256 over exactly those four:
//!
//! ```text
//! /api/files/f_12?v=u_7&exp=1767225600&sig=…            (message "f_12|original|u_7|1767225600")
//! /api/files/f_12/thumbnail?v=u_7&exp=1767225600&sig=…  (message "f_12|thumbnail|u_7|1767225600")
//! ```
//!
//! The key is derived from chatd's JWT secret under its own label, so a URL signature is never
//! a valid token signature or the other way round. A valid signature only says who the URL
//! was made for: the download handler still checks that this viewer may see the file now
//! (membership can end, a message can be recalled).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::ids::{FileId, UserId};

type HmacSha256 = Hmac<Sha256>;

/// The label the URL key is derived under (HMAC-SHA256(secret, label)).
const KEY_LABEL: &[u8] = b"chatd file urls v1";

/// Makes and checks file URLs. Cheap to clone; holds only the derived key.
#[derive(Clone)]
pub struct Signer {
    key: [u8; 32],
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Signer { key: <hidden> }")
    }
}

impl Signer {
    /// A signer whose key is HMAC-SHA256(`secret`, "chatd file urls v1"); `secret` is the JWT
    /// secret (`auth::load_secret`).
    pub fn new(secret: &[u8]) -> Signer {
        let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC takes a key of any length");
        mac.update(KEY_LABEL);
        Signer {
            key: mac.finalize().into_bytes().into(),
        }
    }

    /// The path and query of the file (or its thumbnail) for `viewer`, valid while
    /// `now < expires_at` (Unix seconds), e.g.
    /// `/api/files/f_12/thumbnail?v=u_7&exp=1767225600&sig=…`. Every part is URL-safe as is.
    pub fn url(&self, file: i64, thumbnail: bool, viewer: i64, expires_at: i64) -> String {
        let (file, viewer) = (FileId(file), UserId(viewer));
        let sig = URL_SAFE_NO_PAD.encode(
            self.mac(file, thumbnail, viewer, expires_at)
                .finalize()
                .into_bytes(),
        );
        let suffix = if thumbnail { "/thumbnail" } else { "" };
        format!("/api/files/{file}{suffix}?v={viewer}&exp={expires_at}&sig={sig}")
    }

    /// The viewer's user id (the number of `u_…`) when `sig` is this signer's signature of
    /// exactly this file, variant, viewer and expiry, and `now < expires_at`; `None` for
    /// anything else: another file or variant, a changed viewer or expiry, a forged or
    /// truncated signature, malformed text, an expired URL. Never panics. The signature is
    /// compared in constant time.
    ///
    /// `viewer`, `expires_at` and `sig` are the query's `v`, `exp` and `sig` as received.
    pub fn verify(
        &self,
        file: i64,
        thumbnail: bool,
        viewer: &str,
        expires_at: &str,
        sig: &str,
        now: i64,
    ) -> Option<i64> {
        let viewer = UserId::parse(viewer)?;
        let expires_at = parse_seconds(expires_at)?;
        // 32 bytes are 43 characters; refuse anything longer before decoding it.
        if sig.len() != 43 {
            return None;
        }
        let sig = URL_SAFE_NO_PAD.decode(sig).ok()?;
        self.mac(FileId(file), thumbnail, viewer, expires_at)
            .verify_slice(&sig)
            .ok()?;
        (now < expires_at).then_some(viewer.0)
    }

    /// The MAC, fed the signed message `f_12|thumbnail|u_7|1767225600`.
    fn mac(&self, file: FileId, thumbnail: bool, viewer: UserId, expires_at: i64) -> HmacSha256 {
        let variant = if thumbnail { "thumbnail" } else { "original" };
        let mut mac = HmacSha256::new_from_slice(&self.key).expect("HMAC takes a 32-byte key");
        mac.update(format!("{file}|{variant}|{viewer}|{expires_at}").as_bytes());
        mac
    }
}

/// When a URL made at `now` should expire: `now + ttl_secs`, rounded down to a multiple of
/// `ttl_secs / 24` (at most an hour), so that the same file keeps the same URL for a while
/// and browsers can cache it, while no URL lives longer than `ttl_secs`. (With the default
/// 86,400 s: URLs change on the hour and live between 23 and 24 hours.) Optional: any
/// `expires_at` works with [`Signer::url`].
pub fn expires_at(now: i64, ttl_secs: i64) -> i64 {
    let step = (ttl_secs / 24).clamp(1, 3600);
    let end = now.saturating_add(ttl_secs);
    end - end.rem_euclid(step)
}

/// Unix seconds as a URL writes them: decimal digits, no sign, no leading zero (except "0"),
/// as ids are written.
fn parse_seconds(text: &str) -> Option<i64> {
    if text == "0" {
        Some(0)
    } else {
        crate::ids::parse_number(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const NOW: i64 = 1_767_000_000;
    const EXP: i64 = 1_767_225_600;

    fn signer() -> Signer {
        Signer::new(b"a jwt secret of at least thirty-two bytes")
    }

    /// The `v`, `exp` and `sig` of a URL made by `url`.
    fn query(url: &str) -> (String, String, String) {
        let (_, query) = url.split_once('?').expect("a query");
        let mut parts = query.split('&').map(|kv| kv.split_once('=').expect("k=v"));
        let (v, exp, sig) = (
            parts.next().unwrap(),
            parts.next().unwrap(),
            parts.next().unwrap(),
        );
        assert_eq!((v.0, exp.0, sig.0), ("v", "exp", "sig"));
        assert_eq!(parts.next(), None);
        (v.1.to_string(), exp.1.to_string(), sig.1.to_string())
    }

    #[test]
    fn urls_have_the_documented_shape() {
        let url = signer().url(12, false, 7, EXP);
        assert!(
            url.starts_with("/api/files/f_12?v=u_7&exp=1767225600&sig="),
            "{url}"
        );
        let thumb = signer().url(12, true, 7, EXP);
        assert!(
            thumb.starts_with("/api/files/f_12/thumbnail?v=u_7&exp=1767225600&sig="),
            "{thumb}"
        );
        let (_, _, sig) = query(&url);
        assert_eq!(sig.len(), 43, "32 bytes, base64url without padding");
        assert!(sig
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
    }

    #[test]
    fn a_url_verifies_for_its_file_variant_and_viewer() {
        let s = signer();
        for thumbnail in [false, true] {
            let (v, exp, sig) = query(&s.url(12, thumbnail, 7, EXP));
            assert_eq!(s.verify(12, thumbnail, &v, &exp, &sig, NOW), Some(7));
        }
    }

    #[test]
    fn anything_changed_fails() {
        let s = signer();
        let (v, exp, sig) = query(&s.url(12, false, 7, EXP));
        assert_eq!(
            s.verify(13, false, &v, &exp, &sig, NOW),
            None,
            "another file"
        );
        assert_eq!(
            s.verify(12, true, &v, &exp, &sig, NOW),
            None,
            "the thumbnail"
        );
        assert_eq!(
            s.verify(12, false, "u_8", &exp, &sig, NOW),
            None,
            "another viewer"
        );
        assert_eq!(
            s.verify(12, false, &v, "1767225601", &sig, NOW),
            None,
            "a later expiry"
        );
        let (tv, texp, tsig) = query(&s.url(12, true, 7, EXP));
        assert_eq!(
            s.verify(12, false, &tv, &texp, &tsig, NOW),
            None,
            "thumbnail URL for the original"
        );
        // Every single flipped bit of the signature.
        let raw = URL_SAFE_NO_PAD.decode(&sig).unwrap();
        for bit in 0..raw.len() * 8 {
            let mut forged = raw.clone();
            forged[bit / 8] ^= 1 << (bit % 8);
            let forged = URL_SAFE_NO_PAD.encode(&forged);
            assert_eq!(
                s.verify(12, false, &v, &exp, &forged, NOW),
                None,
                "bit {bit}"
            );
        }
    }

    #[test]
    fn another_secret_makes_other_signatures() {
        let (v, exp, sig) = query(&signer().url(12, false, 7, EXP));
        let other = Signer::new(b"another jwt secret of thirty-two bytes!!");
        assert_eq!(other.verify(12, false, &v, &exp, &sig, NOW), None);
    }

    #[test]
    fn the_key_is_derived_not_the_secret_itself() {
        let secret = b"a jwt secret of at least thirty-two bytes";
        let s = signer();
        assert_ne!(&s.key[..], &secret[..32]);
        // The same message signed with the raw secret (as a token would be) does not verify.
        let mut raw = HmacSha256::new_from_slice(secret).unwrap();
        raw.update(b"f_12|original|u_7|1767225600");
        let sig = URL_SAFE_NO_PAD.encode(raw.finalize().into_bytes());
        assert_eq!(s.verify(12, false, "u_7", "1767225600", &sig, NOW), None);
        assert_eq!(format!("{s:?}"), "Signer { key: <hidden> }");
    }

    #[test]
    fn expiry_is_exclusive() {
        let s = signer();
        let (v, exp, sig) = query(&s.url(12, false, 7, EXP));
        assert_eq!(s.verify(12, false, &v, &exp, &sig, EXP - 1), Some(7));
        assert_eq!(s.verify(12, false, &v, &exp, &sig, EXP), None);
        assert_eq!(s.verify(12, false, &v, &exp, &sig, EXP + 86_400), None);
    }

    #[test]
    fn garbage_fails_without_panicking() {
        let s = signer();
        let (v, exp, sig) = query(&s.url(12, false, 7, EXP));
        for bad_sig in [
            "",
            "!",
            "not base64 at all, not even close!!!!!!!!!",
            &sig[..42],
            &format!("{sig}A"),
            &format!("{sig}="),
            // Standard base64's `+` and `/` are not in the URL-safe alphabet.
            &format!("+{}", &sig[1..]),
            &format!("{}/", &sig[..42]),
            &"A".repeat(43),
            &"A".repeat(10_000),
            "ééééééééééééééééééééé",
        ] {
            assert_eq!(
                s.verify(12, false, &v, &exp, bad_sig, NOW),
                None,
                "{bad_sig:?}"
            );
        }
        for bad_viewer in ["", "7", "u_", "u_07", "u_-7", "c_7", "u_7 ", "U_7"] {
            assert_eq!(
                s.verify(12, false, bad_viewer, &exp, &sig, NOW),
                None,
                "{bad_viewer:?}"
            );
        }
        for bad_exp in [
            "",
            "-1",
            "+1767225600",
            "01767225600",
            "1767225600.0",
            "1e9",
            "99999999999999999999",
        ] {
            assert_eq!(
                s.verify(12, false, &v, bad_exp, &sig, NOW),
                None,
                "{bad_exp:?}"
            );
        }
    }

    #[test]
    fn expiries_round_down_and_never_exceed_the_ttl() {
        assert_eq!(expires_at(NOW, 86_400), (NOW + 86_400) / 3600 * 3600);
        assert_eq!(expires_at(NOW, 2), NOW + 2, "short test TTLs stay exact");
        assert_eq!(expires_at(NOW, 0), NOW);
        for now in [NOW, NOW + 1, NOW + 3599, NOW + 3600] {
            let exp = expires_at(now, 86_400);
            assert!(
                exp <= now + 86_400 && exp > now + 86_400 - 3600,
                "{now} → {exp}"
            );
        }
        assert_eq!(
            expires_at(NOW, 86_400),
            expires_at(NOW + 1, 86_400),
            "stable within the hour"
        );
        assert_eq!(expires_at(i64::MAX - 5, 86_400) % 3600, 0);
    }

    proptest! {
        #[test]
        fn random_inputs_never_panic_or_verify(
            file in any::<i64>(),
            thumbnail in any::<bool>(),
            viewer in ".{0,24}",
            exp in ".{0,24}",
            sig in ".{0,64}",
            now in any::<i64>(),
        ) {
            prop_assert_eq!(signer().verify(file, thumbnail, &viewer, &exp, &sig, now), None);
        }

        #[test]
        fn random_base64_signatures_do_not_verify(
            bytes in proptest::collection::vec(any::<u8>(), 0..48),
            file in 1i64..1_000_000,
        ) {
            let sig = URL_SAFE_NO_PAD.encode(&bytes);
            prop_assert_eq!(signer().verify(file, false, "u_7", "1767225600", &sig, NOW), None);
        }

        #[test]
        fn every_url_round_trips(
            file in 1i64..=i64::MAX,
            thumbnail in any::<bool>(),
            viewer in 1i64..=999_999_999_999_999_999,
            exp in 1i64..=999_999_999_999_999_999,
        ) {
            let s = signer();
            let (v, e, sig) = query(&s.url(file, thumbnail, viewer, exp));
            prop_assert_eq!(s.verify(file, thumbnail, &v, &e, &sig, exp - 1), Some(viewer));
            prop_assert_eq!(s.verify(file, thumbnail, &v, &e, &sig, exp), None);
        }
    }
}
