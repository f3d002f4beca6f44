//! Friend requests and friendships (API.md §4).

use serde::Serialize;
use utoipa::ToSchema;

use super::files::{Links, ViewerLinks};
use super::validate::{Remark, RequestNote};
use crate::db::events::{self, kind, NewEvent};
use crate::db::{self, Db};
use crate::error::Error;
use crate::ids::{RequestId, UserId};
use crate::time::rfc3339_ms;
use serde_json::json;

/// A friend of the caller.
#[derive(Debug, Serialize, ToSchema)]
pub struct FriendView {
    pub user_id: UserId,
    #[schema(example = "lisi")]
    pub username: String,
    #[schema(example = "李四")]
    pub display_name: String,
    /// When the friendship began.
    #[schema(value_type = crate::time::Timestamp)]
    pub since: String,
    /// Their avatar's thumbnail (a signed URL for the caller), or `null`.
    pub avatar_url: Option<String>,
    /// The caller's remark for them (备注), shown instead of `display_name` everywhere else
    /// the caller sees their name; `null` when none.
    #[schema(example = "爸爸")]
    pub remark: Option<String>,
}

impl FriendView {
    pub fn of(f: db::friends::Friend, links: &ViewerLinks<'_>) -> FriendView {
        FriendView {
            avatar_url: links.avatar(f.avatar),
            user_id: f.id,
            username: f.username,
            display_name: f.display_name,
            since: rfc3339_ms(f.since),
            remark: f.remark,
        }
    }
}

pub async fn list(db: &Db, links: &Links, me: UserId) -> Result<Vec<FriendView>, Error> {
    let friends = db.read(move |conn| db::friends::list(conn, me)).await?;
    let links = links.for_viewer(me);
    Ok(friends
        .into_iter()
        .map(|f| FriendView::of(f, &links))
        .collect())
}

/// Sets `me`'s remark for `friend` (a blank text removes it); `404 用户不存在` unless they
/// are friends. The caller's devices get `friend.updated` `{user_id, remark}`.
pub async fn set_remark(
    db: &Db,
    me: UserId,
    friend: UserId,
    raw: &str,
) -> Result<Option<String>, Error> {
    let remark = Remark::parse(raw)?.map(Remark::into_string);
    let clock = db.clock();
    db.write(move |conn| {
        if !db::friends::set_remark(conn, me, friend, remark.as_deref())? {
            return Err(Error::UserNotFound);
        }
        let event = NewEvent::new(kind::FRIEND_UPDATED)
            .data(json!({ "user_id": friend, "remark": remark }));
        events::to_users(conn, &[me], &event, clock.now_ms())?;
        Ok(remark)
    })
    .await
}

/// What sending a request did.
#[derive(Debug)]
pub enum RequestOutcome {
    /// A new pending request, or the one already pending from the caller.
    Pending(RequestId),
    /// The other user had asked first: both are friends now (their request is accepted).
    BecameFriends(RequestId),
}

pub async fn send_request(
    db: &Db,
    me: UserId,
    to: UserId,
    message: Option<&str>,
) -> Result<RequestOutcome, Error> {
    if to == me {
        return Err(Error::bad_request("不能添加自己为好友"));
    }
    let message = RequestNote::parse(message.unwrap_or_default())?.into_string();
    let clock = db.clock();
    db.write(move |conn| send_request_in(conn, me, to, &message, clock.now_ms()))
        .await
}

/// The transaction of `send_request` (also `chatd seed`'s).
pub fn send_request_in(
    conn: &rusqlite::Connection,
    me: UserId,
    to: UserId,
    message: &str,
    now: i64,
) -> Result<RequestOutcome, Error> {
    if !db::users::exists(conn, to)? {
        return Err(Error::UserNotFound);
    }
    if db::friends::are_friends(conn, me, to)? {
        return Err(Error::AlreadyFriends);
    }
    if let Some(theirs) = db::friends::pending_between(conn, to, me)? {
        db::friends::befriend(conn, me, to, now)?;
        friendship_event(conn, kind::FRIEND_ADDED, me, to, None, now)?;
        return Ok(RequestOutcome::BecameFriends(theirs));
    }
    if let Some(mine) = db::friends::pending_between(conn, me, to)? {
        return Ok(RequestOutcome::Pending(mine));
    }
    let id = db::friends::insert_request(conn, me, to, message, now)?;
    let extra = json!({ "request_id": id, "message": message });
    friendship_event(conn, kind::FRIEND_REQUEST, me, to, Some(extra), now)?;
    Ok(RequestOutcome::Pending(id))
}

/// A pending friend request.
#[derive(Debug, Serialize, ToSchema)]
pub struct RequestView {
    pub request_id: RequestId,
    /// The other party (sender for incoming, recipient for outgoing).
    pub user_id: UserId,
    #[schema(example = "lisi")]
    pub username: String,
    #[schema(example = "李四")]
    pub display_name: String,
    /// The note sent with the request (`""` when none).
    #[schema(max_length = 200, example = "我是张三")]
    pub message: String,
    #[schema(value_type = crate::time::Timestamp)]
    pub created_at: String,
    /// The other party's avatar's thumbnail (a signed URL for the caller), or `null`.
    pub avatar_url: Option<String>,
}

/// The caller's pending friend requests.
#[derive(Debug, Serialize, ToSchema)]
pub struct PendingRequests {
    /// Pending requests to the caller.
    pub incoming: Vec<RequestView>,
    /// Pending requests from the caller.
    pub outgoing: Vec<RequestView>,
}

pub async fn pending(db: &Db, links: &Links, me: UserId) -> Result<PendingRequests, Error> {
    let all = db
        .read(move |conn| db::friends::pending_for(conn, me))
        .await?;
    let mut out = PendingRequests {
        incoming: Vec::new(),
        outgoing: Vec::new(),
    };
    let links = links.for_viewer(me);
    for r in all {
        let view = RequestView {
            avatar_url: links.avatar(r.avatar),
            request_id: r.id,
            user_id: r.other,
            username: r.username,
            display_name: r.display_name,
            message: r.message,
            created_at: rfc3339_ms(r.created_at),
        };
        if r.incoming {
            out.incoming.push(view);
        } else {
            out.outgoing.push(view);
        }
    }
    Ok(out)
}

/// Accepts (`true`) or rejects a pending request addressed to the caller. Anything else —
/// unknown, malformed, someone else's, already answered — is `404`.
pub async fn answer(db: &Db, me: UserId, request: RequestId, accept: bool) -> Result<(), Error> {
    let clock = db.clock();
    db.write(move |conn| {
        let now = clock.now_ms();
        let from =
            db::friends::pending_sender(conn, request, me)?.ok_or(Error::FriendRequestNotFound)?;
        if accept {
            db::friends::befriend(conn, me, from, now)?;
            friendship_event(conn, kind::FRIEND_ADDED, me, from, None, now)
        } else {
            db::friends::reject(conn, request)?;
            let extra = json!({ "request_id": request });
            friendship_event(conn, kind::FRIEND_REJECTED, from, me, Some(extra), now)
        }
    })
    .await
}

/// An event about `a` and `b` for both of them (every device): each side's copy names the
/// other user. With `extra` (a request, or its rejection), `a` is the request's sender: the
/// recipient's copy says `direction: "incoming"`, the sender's devices' `"outgoing"`.
fn friendship_event(
    conn: &rusqlite::Connection,
    event_kind: &str,
    a: UserId,
    b: UserId,
    extra: Option<serde_json::Value>,
    now: i64,
) -> Result<(), Error> {
    for (viewer, other, direction) in [(a, b, "outgoing"), (b, a, "incoming")] {
        let Some(user) = db::users::find(conn, other)? else {
            continue;
        };
        let mut data = json!({
            "user_id": user.id,
            "username": user.username,
            "display_name": user.display_name,
            // Rendered as each receiver's signed `avatar_url` (domain::events).
            "avatar_file_id": user.avatar,
        });
        if let (Some(map), Some(serde_json::Value::Object(more))) = (data.as_object_mut(), &extra) {
            map.extend(more.clone());
            map.insert("direction".into(), direction.into());
        }
        events::to_users(conn, &[viewer], &NewEvent::new(event_kind).data(data), now)?;
    }
    Ok(())
}

pub async fn remove(db: &Db, me: UserId, friend: UserId) -> Result<(), Error> {
    let clock = db.clock();
    db.write_freeing(move |conn| {
        if db::friends::unfriend(conn, me, friend)? {
            friendship_event(conn, kind::FRIEND_REMOVED, me, friend, None, clock.now_ms())
        } else {
            Err(Error::UserNotFound)
        }
    })
    .await
}
