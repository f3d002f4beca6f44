//! Sign-up, log-in, the caller's profile, password changes, logout and user search.

use serde::Serialize;
use utoipa::ToSchema;

use super::files::Links;
use super::validate::{DisplayName, Password, SearchText, Username};
use crate::auth::{Issued, LoginThrottle, Tokens};
use crate::config::Config;
use crate::db::events::{self, kind, NewEvent};
use crate::db::{self, Db};
use crate::error::Error;
use crate::ids::UserId;
use crate::passwords::Hasher;
use crate::sessions::Sessions;
use crate::time::rfc3339_ms;
use serde_json::json;

/// A new account and its first token.
#[derive(Debug, Serialize, ToSchema)]
pub struct Registered {
    pub user_id: UserId,
    /// As registered (case kept).
    #[schema(example = "zhangsan")]
    pub username: String,
    /// The user's current display name.
    #[schema(example = "张三")]
    pub display_name: String,
    /// A bearer JWT (HS256).
    pub token: String,
    #[schema(value_type = crate::time::Timestamp)]
    pub expires_at: String,
    /// Always `null`: a new account has no avatar yet.
    pub avatar_url: Option<String>,
}

/// A user as others may see them.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicUser {
    pub user_id: UserId,
    #[schema(example = "zhangsan")]
    pub username: String,
    /// The user's current display name.
    #[schema(example = "张三")]
    pub display_name: String,
    /// Their avatar's thumbnail (a signed URL for the caller), or `null`.
    pub avatar_url: Option<String>,
}

/// A new token and who it belongs to.
#[derive(Debug, Serialize, ToSchema)]
pub struct LoggedIn {
    /// A bearer JWT (HS256).
    pub token: String,
    #[schema(value_type = crate::time::Timestamp)]
    pub expires_at: String,
    pub user: PublicUser,
}

/// The caller's profile.
#[derive(Debug, Serialize, ToSchema)]
pub struct Profile {
    pub user_id: UserId,
    #[schema(example = "zhangsan")]
    pub username: String,
    /// The user's current display name.
    #[schema(example = "张三")]
    pub display_name: String,
    #[schema(value_type = crate::time::Timestamp)]
    pub created_at: String,
    /// The caller's avatar's thumbnail (a signed URL), or `null`.
    pub avatar_url: Option<String>,
}

impl Profile {
    /// `u`'s profile as `u` sees it.
    pub fn of(u: db::users::User, links: &Links) -> Profile {
        Profile {
            avatar_url: links.for_viewer(u.id).avatar(u.avatar),
            user_id: u.id,
            username: u.username,
            display_name: u.display_name,
            created_at: rfc3339_ms(u.created_at),
        }
    }
}

pub async fn register(
    db: &Db,
    config: &Config,
    tokens: &Tokens,
    hasher: &Hasher,
    username: &str,
    password: &str,
    display_name: Option<&str>,
) -> Result<Registered, Error> {
    if !config.allow_registration {
        return Err(Error::RegistrationClosed);
    }
    let username = Username::parse(username)?;
    let password = Password::parse(password)?;
    let display_name = match display_name {
        Some(name) => DisplayName::parse(name)?,
        None => DisplayName::of(&username),
    };
    let hash = hasher.hash(password.into_string()).await?;
    let (username, display_name) = (username.into_string(), display_name.into_string());
    let (name, shown) = (username.clone(), display_name.clone());
    let clock = db.clock();
    let id = db
        .write(move |conn| db::users::insert(conn, &name, &shown, &hash, clock.now_ms()))
        .await?
        .ok_or(Error::UsernameTaken)?;
    let Issued { token, expires_at } = tokens.issue(id, 0)?;
    Ok(Registered {
        user_id: id,
        username,
        display_name,
        token,
        expires_at,
        avatar_url: None,
    })
}

pub async fn login(
    db: &Db,
    links: &Links,
    tokens: &Tokens,
    hasher: &Hasher,
    throttle: &LoginThrottle,
    username: &str,
    password: &str,
) -> Result<LoggedIn, Error> {
    // The attempt is counted before the hash runs, so concurrent guesses cannot pass the limit.
    let attempt = throttle.begin(username)?;
    // No account has a name or password outside registration's rules: answer without a hash
    // (this reveals nothing about who exists) and without counting a failure.
    if Username::parse(username).is_err() || Password::parse(password).is_err() {
        return Err(Error::BadCredentials);
    }
    let name = username.to_string();
    let found = db
        .read(move |conn| db::users::with_credentials_by_username(conn, &name))
        .await?;
    let hash = found.as_ref().map(|(_, c)| c.password_hash.clone());
    if !hasher.verify(password.to_string(), hash).await? {
        attempt.failed();
        return Err(Error::BadCredentials);
    }
    // A disabled account answers like a wrong password (after the same work).
    let Some((user, creds)) = found.filter(|(_, c)| !c.disabled) else {
        return Err(Error::BadCredentials);
    };
    attempt.succeeded();
    let Issued { token, expires_at } = tokens.issue(user.id, creds.token_gen)?;
    Ok(LoggedIn {
        token,
        expires_at,
        user: PublicUser {
            avatar_url: links.for_viewer(user.id).avatar(user.avatar),
            user_id: user.id,
            username: user.username,
            display_name: user.display_name,
        },
    })
}

pub async fn profile(db: &Db, links: &Links, me: UserId) -> Result<Profile, Error> {
    db.read(move |conn| db::users::find(conn, me))
        .await?
        .map(|u| Profile::of(u, links))
        .ok_or(Error::Unauthorized)
}

/// Tells `user`'s devices, friends and co-members how `user` now looks (`user.updated`).
pub fn user_updated(
    conn: &rusqlite::Connection,
    user: &db::users::User,
    now: i64,
) -> Result<(), Error> {
    let data = json!({
        "user_id": user.id,
        "username": user.username,
        "display_name": user.display_name,
        // Rendered as each receiver's signed `avatar_url` (domain::events).
        "avatar_file_id": user.avatar,
    });
    let event = NewEvent::new(kind::USER_UPDATED).data(data);
    events::to_contacts(conn, user.id, &event, now)
}

pub async fn rename(
    db: &Db,
    links: &Links,
    me: UserId,
    display_name: &str,
) -> Result<Profile, Error> {
    let name = DisplayName::parse(display_name)?.into_string();
    let clock = db.clock();
    db.write(move |conn| {
        let before = db::users::find(conn, me)?.ok_or(Error::Unauthorized)?;
        if before.display_name == name {
            return Ok(Some(before));
        }
        db::users::set_display_name(conn, me, &name)?;
        let after = db::users::User {
            display_name: name,
            ..before
        };
        user_updated(conn, &after, clock.now_ms())?;
        Ok(Some(after))
    })
    .await?
    .map(|u| Profile::of(u, links))
    .ok_or(Error::Unauthorized)
}

pub async fn change_password(
    db: &Db,
    tokens: &Tokens,
    hasher: &Hasher,
    sessions: &Sessions,
    me: UserId,
    old: &str,
    new: &str,
) -> Result<Issued, Error> {
    let new = Password::parse(new)?.into_string();
    let creds = db
        .read(move |conn| db::users::credentials_by_id(conn, me))
        .await?
        .ok_or(Error::Unauthorized)?;
    if !hasher
        .verify(old.to_string(), Some(creds.password_hash.clone()))
        .await?
    {
        return Err(Error::WrongOldPassword);
    }
    let hash = hasher.hash(new).await?;
    let expected = creds.token_gen;
    let gen = db
        .write(move |conn| {
            // A concurrent password change wins over this one rather than being undone.
            let current = db::users::credentials_by_id(conn, me)?.ok_or(Error::Unauthorized)?;
            if current.token_gen != expected {
                return Err(Error::WrongOldPassword);
            }
            db::users::set_password(conn, me, &hash)
        })
        .await?;
    sessions.note_generation(me, gen);
    tokens.issue(me, gen)
}

/// Revokes the token `jti` (expiring at `exp`, seconds since the epoch).
pub async fn logout(db: &Db, sessions: &Sessions, jti: &str, exp: i64) -> Result<(), Error> {
    let owned = jti.to_string();
    let now = db.clock().now_secs();
    db.write_freeing(move |conn| db::users::revoke_token(conn, &owned, exp, now))
        .await?;
    sessions.note_revoked(jti, exp, now);
    Ok(())
}

/// A user found by `GET /api/auth/users?q=`.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchHit {
    pub user_id: UserId,
    #[schema(example = "lisi")]
    pub username: String,
    #[schema(example = "李四")]
    pub display_name: String,
    pub is_friend: bool,
    /// Their avatar's thumbnail (a signed URL for the caller), or `null`.
    pub avatar_url: Option<String>,
}

pub async fn search(
    db: &Db,
    links: &Links,
    me: UserId,
    q: Option<&str>,
) -> Result<Vec<SearchHit>, Error> {
    let q = SearchText::parse(q)?;
    let (prefix, contains) = (q.prefix_pattern(), q.contains_pattern());
    let found = db
        .read(move |conn| db::users::search(conn, me, (&prefix, &contains), 20))
        .await?;
    let links = links.for_viewer(me);
    Ok(found
        .into_iter()
        .map(|f| SearchHit {
            avatar_url: links.avatar(f.user.avatar),
            user_id: f.user.id,
            username: f.user.username,
            display_name: f.user.display_name,
            is_friend: f.is_friend,
        })
        .collect())
}
