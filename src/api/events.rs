//! `GET /api/auth/events` (SSE), and the ticket route for browsers (API.md §8).

use rocket::request::{FromRequest, Outcome, Request};
use rocket::{get, post, routes, Route, Shutdown, State};
use serde::Serialize;

use std::sync::Arc;

use crate::auth::AuthUser;
use crate::error::{ok, ApiResult, Error};
use crate::events::stream::{self, Resume, SseStream, StreamContext, Tickets, TICKET_TTL};
use crate::limits::{ClientAddr, Limits, PerAddress};

pub fn routes() -> Vec<Route> {
    routes![events, ticket, events_with_ticket]
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

/// `GET /api/auth/events` — the caller's event stream.
#[get("/auth/events")]
async fn events(
    me: AuthUser,
    last: LastEventId,
    ctx: StreamContext,
    shutdown: Shutdown,
) -> Result<SseStream, Error> {
    stream::open(ctx, me, Resume::parse(last.0.as_deref()), shutdown).await
}

#[derive(Serialize)]
struct Ticket {
    ticket: String,
    expires_in: u64,
}

/// `POST /api/auth/events/ticket` — a single-use ticket, valid for 60 seconds, for
/// `GET /api/events?ticket=…`.
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

/// `GET /api/events?ticket=…&last_event_id=…` — the stream for clients that cannot send a
/// header. `Last-Event-ID` (sent by `EventSource` on its own reconnects) wins over the query.
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
