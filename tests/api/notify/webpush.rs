//! Web Push to a local push service: the payload decrypted here with the subscription's
//! private key, the VAPID JWT verified, `410` deleting the subscription.

use std::collections::HashSet;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use web_push_native::jwt_simple::prelude::{
    ECDSAP256PublicKeyLike, ES256PublicKey, NoCustomClaims, VerificationOptions,
};
use web_push_native::{p256, Auth};

use super::*;

/// A browser's side of a subscription: its key pair and secret.
struct Browser {
    secret: p256::SecretKey,
    auth: Auth,
}

impl Browser {
    fn new() -> Browser {
        let secret = loop {
            let mut raw = [0u8; 32];
            rand::rng().fill_bytes(&mut raw);
            if let Ok(key) = p256::SecretKey::from_slice(&raw) {
                break key;
            }
        };
        let mut auth = Auth::default();
        rand::rng().fill_bytes(&mut auth);
        Browser { secret, auth }
    }

    fn subscription(&self, endpoint: &str) -> Value {
        let public = self.secret.public_key().to_sec1_bytes();
        json!({"endpoint": endpoint, "keys": {
            "p256dh": URL_SAFE_NO_PAD.encode(public),
            "auth": URL_SAFE_NO_PAD.encode(&self.auth[..]),
        }})
    }

    fn read(&self, body: &[u8]) -> Value {
        let plain = web_push_native::decrypt(body.to_vec(), &self.secret, &self.auth)
            .expect("the payload decrypts with the subscription's key");
        serde_json::from_slice(&plain).unwrap()
    }
}

#[test]
fn a_push_arrives_encrypted_for_the_browser_and_signed_with_the_servers_key() {
    let push = Receiver::start();
    let app = LiveApp::spawn(&[]);
    let (a, b, chat) = app.friends_with_a_chat("alice", "bob");
    let browser = Browser::new();
    let endpoint = push.url("push/bob-1");
    app.post(
        "/api/auth/push/subscriptions",
        &b.token,
        browser.subscription(&endpoint),
    )
    .expect(201, "已订阅");

    app.send(&a, &chat, "到家了");
    let got = push.wait_for(1, ARRIVES);
    assert_eq!(got.len(), 1, "{got:?}");
    let n = &got[0];
    assert_eq!(n.path, "/push/bob-1");
    assert_eq!(n.headers["content-encoding"], "aes128gcm");
    assert_eq!(n.headers["ttl"], "86400");
    assert_eq!(n.headers["urgency"], "normal");
    assert_eq!(n.headers["topic"], chat);
    assert_eq!(
        browser.read(&n.bytes),
        json!({"title": "alice", "body": "到家了", "tag": chat, "url": format!("/#/c/{chat}")})
    );

    // VAPID (RFC 8292): `vapid t=<JWT>, k=<the key /api/info publishes>`.
    let info = app.get("/api/info", &a.token);
    let key = info.data()["vapid_public_key"]
        .as_str()
        .unwrap()
        .to_string();
    let vapid = n.headers["authorization"].strip_prefix("vapid ").unwrap();
    let (mut t, mut k) = (None, None);
    for part in vapid.split(',') {
        let (name, value) = part.trim().split_once('=').unwrap();
        match name {
            "t" => t = Some(value.to_string()),
            "k" => k = Some(value.to_string()),
            _ => {}
        }
    }
    assert_eq!(k.as_deref(), Some(key.as_str()));
    let public = ES256PublicKey::from_bytes(&URL_SAFE_NO_PAD.decode(&key).unwrap()).unwrap();
    // The audience is the push service's origin. web-push-native leaves a port out of it:
    // real push services are on the default port, where the origin has none; this local
    // one is not, so the audience here is without its port.
    let audience = "http://127.0.0.1".to_string();
    let options = VerificationOptions {
        allowed_audiences: Some(HashSet::from([audience])),
        ..Default::default()
    };
    let claims = public
        .verify_token::<NoCustomClaims>(&t.unwrap(), Some(options))
        .expect("signed by the server's key, for this push service");
    let expires = claims.expires_at.unwrap().as_secs() as i64;
    let now = crate::helpers::now();
    assert!(
        expires > now && expires <= now + 86_400,
        "{expires} vs {now}"
    );
    // A forged token does not verify.
    let other = web_push_native::jwt_simple::algorithms::ES256KeyPair::generate();
    let forged = other
        .public_key()
        .verify_token::<NoCustomClaims>(vapid, None);
    assert!(forged.is_err());
}

#[test]
fn a_subscription_the_push_service_says_is_gone_is_deleted_and_bad_ones_refused() {
    let push = Receiver::start();
    push.answer(410);
    let app = LiveApp::spawn(&[]);
    let (a, b, chat) = app.friends_with_a_chat("alice", "bob");
    let browser = Browser::new();
    let sub = browser.subscription(&push.url("push/gone"));
    app.post("/api/auth/push/subscriptions", &b.token, sub.clone())
        .expect(201, "已订阅");
    let count = || {
        let conn = rusqlite::Connection::open(&app.db_path).unwrap();
        conn.query_row("SELECT COUNT(*) FROM push_subscriptions", [], |r| {
            r.get::<_, i64>(0)
        })
        .unwrap()
    };
    assert_eq!(count(), 1);
    app.send(&a, &chat, "在吗");
    push.wait_for(1, ARRIVES);
    let gone = crate::server::wait_until(Duration::from_secs(5), || count() == 0);
    assert!(gone, "410 deleted the subscription");

    // Subscribing again and unsubscribing: the row comes and goes.
    app.post("/api/auth/push/subscriptions", &b.token, sub.clone())
        .expect(201, "已订阅");
    assert_eq!(count(), 1);
    let endpoint = json!({"endpoint": sub["endpoint"]});
    app.delete(
        "/api/auth/push/subscriptions",
        &b.token,
        Some(endpoint.clone()),
    )
    .expect(200, "已取消订阅");
    assert_eq!(count(), 0);
    app.delete("/api/auth/push/subscriptions", &b.token, Some(endpoint))
        .expect(200, "已取消订阅");

    for bad in [
        json!({"endpoint": "not a url", "keys": sub["keys"]}),
        json!({"endpoint": "https://push.example/x", "keys": {"p256dh": "AAAA", "auth": sub["keys"]["auth"]}}),
        json!({"endpoint": "https://push.example/x", "keys": {"p256dh": sub["keys"]["p256dh"], "auth": "AAAA"}}),
        json!({"endpoint": "https://push.example/x"}),
    ] {
        app.post("/api/auth/push/subscriptions", &b.token, bad.clone())
            .status_for(400, &bad)
            .expect_bad_request();
    }
    assert_eq!(count(), 0);
}
