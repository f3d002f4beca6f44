//! Tokens, password hashes and the `AuthUser` request guard.
//!
//! * Tokens are HS256 JWTs with `exp` checked with zero leeway. Besides `sub` they carry the
//!   user's token generation (`gen`, bumped by a password change) and a random `jti` (listed
//!   in `revoked_tokens` by logout), so revocation is checked against the database on every
//!   request and really revokes.
//! * Password hashing lives in `passwords` (a bounded pool of hasher threads).

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rocket::http::Status;
use rocket::request::{FromRequest, Outcome, Request};
use rocket::State;
use serde::{Deserialize, Serialize};

use crate::db::Db;
use crate::error::{Error, GuardError};
use crate::ids::UserId;
use crate::sessions::Sessions;
use crate::sync::Recover;
use crate::time::Clock;

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
    clock: Clock,
}

/// A freshly issued token.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Issued {
    /// A new bearer JWT; after a password change every token issued before it stops working.
    pub token: String,
    #[schema(value_type = crate::time::Timestamp)]
    pub expires_at: String,
}

impl Tokens {
    pub fn new(secret: &[u8], ttl_secs: u64, clock: Clock) -> Tokens {
        let mut validation = Validation::new(Algorithm::HS256);
        // `exp` is required here and compared with the server's clock in `verify`.
        validation.leeway = 0;
        validation.validate_exp = false;
        validation.set_required_spec_claims(&["exp", "sub"]);
        Tokens {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            ttl_secs: i64::try_from(ttl_secs).unwrap_or(i64::MAX / 2),
            clock,
        }
    }

    pub fn issue(&self, user: UserId, gen: i64) -> Result<Issued, Error> {
        let now = self.clock.now_secs();
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
            expires_at: crate::time::rfc3339_secs(exp),
        })
    }

    /// The claims of a well-signed token that has not expired (an `exp` in the past is
    /// expired: no leeway).
    pub(crate) fn verify(&self, token: &str) -> Option<Claims> {
        decode::<Claims>(token, &self.decoding, &self.validation)
            .ok()
            .map(|data| data.claims)
            .filter(|claims| claims.exp >= self.clock.now_secs())
    }
}

/// 32 random bytes as hex, or the configured secret. A generated secret is kept in
/// `<database file>.jwt-secret`, created readable by its owner only.
pub fn load_secret(configured: Option<&str>, database_path: &Path) -> Result<Vec<u8>, String> {
    if let Some(secret) = configured {
        return Ok(secret.as_bytes().to_vec());
    }
    kept_beside(
        database_path,
        ".jwt-secret",
        "JWT secret",
        |text| match text.len() >= 32 {
            true => Ok(text.as_bytes().to_vec()),
            false => Err("is too short"),
        },
        || {
            let secret = random_hex(32);
            (secret.clone().into_bytes(), secret)
        },
    )
}

/// A secret kept beside the database in `<database file><suffix>`: parsed from the file
/// (trimmed) when it exists, else made by `make` (the value and the text to keep), written
/// readable by its owner only, and returned. Errors name the file (`the {what} file …`) and
/// say what to fix. The JWT secret and the VAPID key (`notify::vapid`).
pub fn kept_beside<T>(
    database_path: &Path,
    suffix: &str,
    what: &str,
    parse: impl FnOnce(&str) -> Result<T, &'static str>,
    make: impl FnOnce() -> (T, String),
) -> Result<T, String> {
    let path = crate::config::beside(database_path, suffix);
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            parse(text.trim()).map_err(|why| format!("the {what} file {} {why}", path.display()))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let (value, text) = make();
            write_private(&path, &text)
                .map_err(|e| format!("cannot write the {what} file {}: {e}", path.display()))?;
            Ok(value)
        }
        Err(e) => Err(format!(
            "cannot read the {what} file {}: {e}",
            path.display()
        )),
    }
}

/// Writes a new file readable by its owner only (it must not exist yet), synced.
pub fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
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
/// rest of the window). An attempt takes its place *before* its password is checked, so
/// concurrent guesses cannot slip past the count: while failures plus attempts in flight
/// reach the limit, the next attempt is refused. Kept in memory: a restart forgets them,
/// which only ever helps the legitimate user. Entries are pruned as they age, so memory
/// stays bounded by the number of names attacked in one window.
#[derive(Default)]
pub struct LoginThrottle {
    names: Mutex<HashMap<String, Tries>>,
}

#[derive(Default)]
struct Tries {
    failures: Vec<Instant>,
    in_flight: usize,
}

const MAX_FAILURES: usize = 10;
const FAILURE_WINDOW: Duration = Duration::from_secs(15 * 60);

/// One login attempt's place in the count. `failed` turns it into a failure; dropped
/// otherwise (success, or no check happened) it only frees its place.
pub struct Attempt<'a> {
    throttle: &'a LoginThrottle,
    name: String,
}

impl LoginThrottle {
    /// Takes a place for an attempt on `username`, or `429 尝试次数过多` when failures and
    /// attempts in flight already reach the limit.
    pub fn begin(&self, username: &str) -> Result<Attempt<'_>, Error> {
        let name = username.to_ascii_lowercase();
        let mut names = self.names.recover();
        let now = Instant::now();
        names.retain(|_, tries| {
            tries
                .failures
                .retain(|t| now.duration_since(*t) < FAILURE_WINDOW);
            !tries.failures.is_empty() || tries.in_flight > 0
        });
        let tries = names.entry(name.clone()).or_default();
        if tries.failures.len() + tries.in_flight >= MAX_FAILURES {
            return Err(Error::TooManyLoginAttempts);
        }
        tries.in_flight += 1;
        Ok(Attempt {
            throttle: self,
            name,
        })
    }
}

impl Attempt<'_> {
    /// The password was wrong: the attempt counts as a failure.
    pub fn failed(self) {
        let mut names = self.throttle.names.recover();
        if let Some(tries) = names.get_mut(&self.name) {
            tries.failures.push(Instant::now());
        }
    }

    /// The password was right: earlier failures are forgotten.
    pub fn succeeded(self) {
        let mut names = self.throttle.names.recover();
        if let Some(tries) = names.get_mut(&self.name) {
            tries.failures.clear();
        }
    }
}

impl Drop for Attempt<'_> {
    fn drop(&mut self) {
        let mut names = self.throttle.names.recover();
        if let Some(tries) = names.get_mut(&self.name) {
            tries.in_flight = tries.in_flight.saturating_sub(1);
        }
    }
}
