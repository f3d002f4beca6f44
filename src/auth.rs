//! Tokens, password hashes and the `AuthUser` request guard.
//!
//! * Tokens are HS256 JWTs with `exp` checked with zero leeway. Besides `sub` they carry the
//!   user's token generation (`gen`, bumped by a password change) and a random `jti` (listed
//!   in `revoked_tokens` by logout), so revocation is checked against the database on every
//!   request and really revokes.
//! * Passwords are hashed with argon2id (the crate's default parameters) on the blocking
//!   pool, never on an async worker. Unknown usernames are verified against a dummy hash so
//!   the answer takes as long as for a real account.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use argon2::password_hash::{phc::PasswordHash, PasswordHasher, PasswordVerifier};
use argon2::Argon2;
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rocket::http::Status;
use rocket::request::{FromRequest, Outcome, Request};
use rocket::State;
use serde::{Deserialize, Serialize};

use crate::db::Db;
use crate::error::{Error, GuardError};
use crate::ids::UserId;
use crate::sessions::Sessions;

#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Claims {
    /// The user's id, `u_…` (JWT's `sub` is a string).
    sub: String,
    gen: i64,
    jti: String,
    iat: i64,
    exp: i64,
}

/// Signing keys and token lifetime; built once at start-up, kept in managed state.
pub struct Tokens {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    ttl_secs: i64,
}

/// A freshly issued token.
#[derive(Debug, Serialize)]
pub struct Issued {
    pub token: String,
    pub expires_at: String,
}

impl Tokens {
    pub fn new(secret: &[u8], ttl_secs: u64) -> Tokens {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.validate_exp = true;
        validation.set_required_spec_claims(&["exp", "sub"]);
        Tokens {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            ttl_secs: i64::try_from(ttl_secs).unwrap_or(i64::MAX / 2),
        }
    }

    pub fn issue(&self, user: UserId, gen: i64) -> Result<Issued, Error> {
        let now = chrono::Utc::now().timestamp();
        let exp = now.saturating_add(self.ttl_secs);
        let claims = Claims {
            sub: user.to_string(),
            gen,
            jti: random_hex(16),
            iat: now,
            exp,
        };
        let token = encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(Error::internal)?;
        Ok(Issued {
            token,
            expires_at: crate::domain::time::rfc3339_secs(exp),
        })
    }

    pub(crate) fn verify(&self, token: &str) -> Option<Claims> {
        decode::<Claims>(token, &self.decoding, &self.validation)
            .ok()
            .map(|data| data.claims)
    }
}

/// 32 random bytes as hex, or the configured secret. A generated secret is kept in
/// `<database file>.jwt-secret`, created readable by its owner only.
pub fn load_secret(configured: Option<&str>, database_path: &Path) -> Result<Vec<u8>, String> {
    if let Some(secret) = configured {
        return Ok(secret.as_bytes().to_vec());
    }
    let path = secret_path(database_path);
    match std::fs::read_to_string(&path) {
        Ok(text) if text.trim().len() >= 32 => return Ok(text.trim().as_bytes().to_vec()),
        Ok(_) => {
            return Err(format!(
                "the JWT secret file {} is too short",
                path.display()
            ))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => {
            return Err(format!(
                "cannot read the JWT secret file {}: {e}",
                path.display()
            ))
        }
    }
    let secret = random_hex(32);
    write_private(&path, &secret)
        .map_err(|e| format!("cannot write the JWT secret file {}: {e}", path.display()))?;
    Ok(secret.into_bytes())
}

pub fn secret_path(database_path: &Path) -> PathBuf {
    let mut name = database_path.as_os_str().to_owned();
    name.push(".jwt-secret");
    PathBuf::from(name)
}

fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(contents.as_bytes())?;
    file.sync_all()
}

pub fn random_hex(bytes: usize) -> String {
    use rand::RngCore;
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

/// Hashes a password with argon2id on the blocking pool.
pub async fn hash_password(password: String) -> Result<String, Error> {
    rocket::tokio::task::spawn_blocking(move || hash_password_now(&password))
        .await
        .map_err(Error::internal)?
}

/// The synchronous form, for `chatd seed`.
pub fn hash_password_now(password: &str) -> Result<String, Error> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(Error::internal)
}

/// Verifies a password on the blocking pool; `hash: None` (unknown user) checks against a
/// dummy hash and fails, taking the same time.
pub async fn verify_password(password: String, hash: Option<String>) -> Result<bool, Error> {
    rocket::tokio::task::spawn_blocking(move || {
        let hash = hash.unwrap_or_else(|| DUMMY_HASH.to_string());
        let parsed = PasswordHash::new(&hash).map_err(Error::internal)?;
        let ok = Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        Ok(ok && hash != DUMMY_HASH)
    })
    .await
    .map_err(Error::internal)?
}

/// argon2id of a random string with the default parameters; never matches a real login.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0r4BdN0YVeAv6xKXkTQoY6sGkdP7fDz+8Lh3Vz1RtmQ";

/// The authenticated caller of an `/api/auth/` route.
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub id: UserId,
    /// The password generation the token was issued under.
    pub gen: i64,
    pub jti: String,
    /// Token expiry, seconds since the epoch.
    pub exp: i64,
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for AuthUser {
    type Error = ();

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, ()> {
        let fail = || Outcome::Error((GuardError::stash(req, Error::Unauthorized), ()));
        let (Some(tokens), Some(db), Some(sessions)) = (
            req.guard::<&State<Tokens>>().await.succeeded(),
            req.guard::<&State<Db>>().await.succeeded(),
            req.guard::<&State<Arc<Sessions>>>().await.succeeded(),
        ) else {
            return Outcome::Error((Status::InternalServerError, ()));
        };
        let Some(token) = bearer(req) else {
            return fail();
        };
        let Some(claims) = tokens.verify(token) else {
            return fail();
        };
        let Some(user) = UserId::parse(&claims.sub) else {
            return fail();
        };
        match sessions.is_live(db, user, claims.gen, &claims.jti).await {
            Ok(true) => Outcome::Success(AuthUser {
                id: user,
                gen: claims.gen,
                jti: claims.jti,
                exp: claims.exp,
            }),
            Ok(false) => fail(),
            Err(e) => Outcome::Error((GuardError::stash(req, e), ())),
        }
    }
}

impl AuthUser {
    /// Whether the token behind this caller is still honoured (not logged out, no password
    /// change since): long-lived streams ask again from time to time.
    pub async fn is_live(&self, db: &Db, sessions: &Sessions) -> bool {
        sessions
            .is_live(db, self.id, self.gen, &self.jti)
            .await
            .unwrap_or(false)
    }
}

fn bearer<'a>(req: &'a Request<'_>) -> Option<&'a str> {
    let value = req.headers().get_one("Authorization")?.trim();
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// Failed logins per username (API.md §2: 10 failures in 15 minutes lock the name for the
/// rest of the window). Kept in memory: a restart forgets them, which only ever helps the
/// legitimate user. Entries are pruned as they age, so memory stays bounded by the number of
/// names attacked in one window.
pub struct LoginThrottle {
    failures: Mutex<HashMap<String, Vec<Instant>>>,
}

const MAX_FAILURES: usize = 10;
const FAILURE_WINDOW: Duration = Duration::from_secs(15 * 60);

impl Default for LoginThrottle {
    fn default() -> Self {
        LoginThrottle {
            failures: Mutex::new(HashMap::new()),
        }
    }
}

impl LoginThrottle {
    pub fn is_locked(&self, username: &str) -> bool {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        map.retain(|_, times| {
            times.retain(|t| now.duration_since(*t) < FAILURE_WINDOW);
            !times.is_empty()
        });
        map.get(&username.to_ascii_lowercase())
            .is_some_and(|times| times.len() >= MAX_FAILURES)
    }

    pub fn record_failure(&self, username: &str) {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        map.entry(username.to_ascii_lowercase())
            .or_default()
            .push(Instant::now());
    }

    pub fn clear(&self, username: &str) {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        map.remove(&username.to_ascii_lowercase());
    }
}
