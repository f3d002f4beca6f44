//! `GET /api/auth/events` (SSE), and the ticket route for browsers (API.md §8).

use rocket::request::{FromRequest, Outcome, Request};
use rocket::{get, post, routes, Route, Shutdown, State};
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

use std::sync::Arc;

use super::docs::responses::{SignedIn, TooManyRequests};
use crate::auth::AuthUser;
use crate::error::{ok, ApiResult, Envelope, Error};
use crate::events::stream::{self, Resume, SseStream, StreamContext, Tickets, TICKET_TTL};
use crate::limits::{ClientAddr, Limits, PerAddress};

pub fn routes() -> Vec<Route> {
    routes![events, ticket, events_with_ticket]
}

/// These routes in the OpenAPI document.
pub(super) fn api() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(events, ticket, events_with_ticket))]
    struct Api;
    Api::openapi()
}

/// The `Last-Event-ID` header (sent by `EventSource` on reconnect).
pub struct LastEventId(Option<String>);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for LastEventId {
    type Error = ();
    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, ()> {
        Outcome::Success(LastEventId(
            req.headers().get_one("Last-Event-ID").map(str::to_string),
        ))
    }
}

/// The caller's real-time event stream (SSE).
///
/// A Server-Sent Events stream. Each event has `id:` (a number that only grows), `event:`
/// (its type) and `data:` (JSON). Types: `message.created` `{conversation_id, message}` (plus
/// `client_msg_id` on the sender's own devices when the send carried one);
/// `message.recalled` `{conversation_id, message_id, system_message}`;
/// `conversation.created` (the conversation as in the list); `conversation.updated`
/// `{conversation_id, …}` with `name`, `member_count`, `is_pinned`, `is_muted`, `unread_count` or `avatar_url` (a
/// delete-for-me also carries `deleted_message_id`); `conversation.removed`
/// `{conversation_id}`; `friend.request`
/// `{user_id, username, display_name, avatar_url, request_id, message, direction}`; `friend.added` and
/// `friend.removed` `{user_id, username, display_name, avatar_url}`; `friend.rejected`
/// `{user_id, username, display_name, avatar_url, request_id, direction}`; `user.updated`
/// `{user_id, username, display_name, avatar_url}` (a display-name or avatar change, to the user's devices,
/// friends and co-members); `resync` `{reason}`. A `: ping` comment is sent at least every
/// 15 seconds; the stream ends when its token expires, is logged out or is outdated by a
/// password change. At most `max_streams_per_user` streams per user (`429` beyond).
#[utoipa::path(
    tag = "events",
    operation_id = "streamEvents",
    params(("Last-Event-ID" = Option<String>, Header, example = "42",
            description = "Resume after this event id: every event after it that the caller may still see comes first, then live ones. An id older than the retained history, newer than any event, or not a non-negative integer gets one `resync` event.")),
    responses(
        (status = 200, description = "The event stream (`text/event-stream`).", content_type = "text/event-stream", body = String,
            example = "id: 42\nevent: message.created\ndata: {\"conversation_id\":\"c_1\",\"message\":{\"id\":\"m_7\",\"sender_id\":\"u_2\",\"sender_name\":\"李四\",\"content\":\"你好\",\"status\":0,\"created_at\":\"2026-01-15T09:40:00Z\"}}\n\n: ping\n\n"),
        (status = 429, response = TooManyRequests), // 请求过于频繁
        SignedIn,
    )
)]
#[get("/auth/events")]
async fn events(
    me: AuthUser,
    last: LastEventId,
    ctx: StreamContext,
    shutdown: Shutdown,
) -> Result<SseStream, Error> {
    stream::open(ctx, me, Resume::parse(last.0.as_deref()), shutdown).await
}

#[derive(Serialize, ToSchema)]
struct Ticket {
    /// Single-use; valid for `expires_in` seconds on `GET /api/events?ticket=…`.
    ticket: String,
    /// Seconds (60).
    #[schema(example = 60)]
    expires_in: u64,
}

/// Get a single-use ticket for `GET /api/events`.
///
/// For browsers, whose `EventSource` cannot send `Authorization`. The ticket works once,
/// within 60 seconds, and carries the identity of the token that asked for it.
#[utoipa::path(
    tag = "events",
    operation_id = "issueEventTicket",
    responses(
        (status = 200, description = "`success`", body = Envelope<Ticket>,
            example = json!({"code": 200, "message": "success", "data": {"ticket": "k2V9xQ…", "expires_in": 60}})),
        (status = 429, response = TooManyRequests), // 请求过于频繁
        SignedIn,
    )
)]
#[post("/auth/events/ticket")]
fn ticket(
    me: AuthUser,
    client: ClientAddr,
    limits: &State<Arc<Limits>>,
    tickets: &State<Tickets>,
) -> ApiResult<Ticket> {
    limits.address(PerAddress::Ticket, client)?;
    ok(Ticket {
        ticket: tickets.issue(&me),
        expires_in: TICKET_TTL.as_secs(),
    })
}

/// The event stream, authenticated by a ticket (SSE).
///
/// Like `GET /api/auth/events`, for `EventSource`. A missing, used, expired or revoked ticket
/// is `401 未授权`. The `Last-Event-ID` header (sent by `EventSource` on its own reconnects)
/// wins over `last_event_id` when both are present.
///
/// A Server-Sent Events stream. Each event has `id:` (a number that only grows), `event:`
/// (its type) and `data:` (JSON). Types: `message.created` `{conversation_id, message}` (plus
/// `client_msg_id` on the sender's own devices when the send carried one);
/// `message.recalled` `{conversation_id, message_id, system_message}`;
/// `conversation.created` (the conversation as in the list); `conversation.updated`
/// `{conversation_id, …}` with `name`, `member_count`, `is_pinned`, `is_muted`, `unread_count` or `avatar_url` (a
/// delete-for-me also carries `deleted_message_id`); `conversation.removed`
/// `{conversation_id}`; `friend.request`
/// `{user_id, username, display_name, avatar_url, request_id, message, direction}`; `friend.added` and
/// `friend.removed` `{user_id, username, display_name, avatar_url}`; `friend.rejected`
/// `{user_id, username, display_name, avatar_url, request_id, direction}`; `user.updated`
/// `{user_id, username, display_name, avatar_url}` (a display-name or avatar change, to the user's devices,
/// friends and co-members); `resync` `{reason}`. A `: ping` comment is sent at least every
/// 15 seconds; the stream ends when its token expires, is logged out or is outdated by a
/// password change. At most `max_streams_per_user` streams per user (`429` beyond).
#[utoipa::path(
    tag = "events",
    operation_id = "streamEventsWithTicket",
    params(
        ("ticket" = String, Query, description = "A ticket from `POST /api/auth/events/ticket`."),
        ("last_event_id" = Option<String>, Query,
            description = "Resume after this event id (as the `Last-Event-ID` header)."),
        ("Last-Event-ID" = Option<String>, Header, example = "42",
            description = "Resume after this event id: every event after it that the caller may still see comes first, then live ones. An id older than the retained history, newer than any event, or not a non-negative integer gets one `resync` event."),
    ),
    responses(
        (status = 200, description = "The event stream (`text/event-stream`).", content_type = "text/event-stream", body = String,
            example = "id: 42\nevent: message.created\ndata: {\"conversation_id\":\"c_1\",\"message\":{\"id\":\"m_7\",\"sender_id\":\"u_2\",\"sender_name\":\"李四\",\"content\":\"你好\",\"status\":0,\"created_at\":\"2026-01-15T09:40:00Z\"}}\n\n: ping\n\n"),
        (status = 429, response = TooManyRequests), // 请求过于频繁
        SignedIn,
    )
)]
#[get("/events?<ticket>&<last_event_id>")]
async fn events_with_ticket(
    ticket: Option<&str>,
    last_event_id: Option<&str>,
    last: LastEventId,
    tickets: &State<Tickets>,
    ctx: StreamContext,
    shutdown: Shutdown,
) -> Result<SseStream, Error> {
    let user = ticket
        .and_then(|t| tickets.redeem(t))
        .ok_or(Error::Unauthorized)?;
    if !user.is_live(&ctx.db, &ctx.sessions).await {
        return Err(Error::Unauthorized);
    }
    let resume = Resume::parse(last.0.as_deref().or(last_event_id));
    stream::open(ctx, user, resume, shutdown).await
}
