//! One SSE connection: replay from storage after `Last-Event-ID`, then live, through the
//! same loop (read my events after the cursor, send them, wait for a wake-up). Also the
//! single-use stream tickets for browsers and the background pruning of old events.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rocket::request::{FromRequest, Outcome, Request};

use rocket::futures::StreamExt;
use rocket::http::hyper::body::Bytes;
use rocket::http::ContentType;
use rocket::response::stream::ByteStream;
use rocket::response::{self, DirectBody, Responder, Response};
use rocket::tokio::select;
use rocket::tokio::time::{interval, sleep, MissedTickBehavior};
use rocket::Shutdown;
use serde_json::json;

use super::Hub;
use crate::auth::AuthUser;
use crate::config::Config;
use crate::db::{self, Db};
use crate::domain::events::{render_for, Outgoing};
use crate::domain::files::Links;
use crate::error::Error;
use crate::ids::UserId;
use crate::limits::StreamSlots;
use crate::sessions::Sessions;
use crate::sync::Recover;
use crate::time::Clock;

/// Events read from storage per round trip.
const PAGE: u32 = 256;

/// Where a stream starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resume {
    /// No `Last-Event-ID`: live events only.
    Fresh,
    /// After this id.
    After(i64),
    /// An id that cannot be resumed from (unparsable): the client must resync.
    Invalid,
}

impl Resume {
    pub fn parse(raw: Option<&str>) -> Resume {
        match raw.map(str::trim) {
            None | Some("") => Resume::Fresh,
            Some(text) => text
                .parse::<i64>()
                .ok()
                .filter(|n| *n >= 0)
                .map_or(Resume::Invalid, Resume::After),
        }
    }
}

enum Step {
    Wake,
    Ping,
    Stop,
}

/// One page of `user`'s stored events after `cursor`: the events, the last id read, and
/// whether the page was full (more may follow).
async fn read_page(
    db: &Db,
    links: &Links,
    user: UserId,
    cursor: i64,
) -> Result<(Vec<Outgoing>, Option<i64>, bool), crate::error::Error> {
    let links = links.clone();
    db.read(move |c| {
        let rows = db::events::since(c, user, cursor, PAGE)?;
        let last = rows.last().map(|r| r.id);
        let full = rows.len() as u32 == PAGE;
        Ok((render_for(c, user, rows, &links)?, last, full))
    })
    .await
}

/// What a stream needs from the app, taken from managed state as one request guard.
#[derive(Clone)]
pub struct StreamContext {
    pub db: Db,
    pub hub: Hub,
    pub sessions: Arc<Sessions>,
    pub heartbeat: Duration,
    pub slots: StreamSlots,
    pub links: Links,
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for StreamContext {
    type Error = ();

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, ()> {
        let rocket = req.rocket();
        match (
            rocket.state::<Db>(),
            rocket.state::<Hub>(),
            rocket.state::<Arc<Sessions>>(),
            rocket.state::<Config>(),
            rocket.state::<StreamSlots>(),
            rocket.state::<Links>(),
        ) {
            (Some(db), Some(hub), Some(sessions), Some(config), Some(slots), Some(links)) => {
                Outcome::Success(StreamContext {
                    db: db.clone(),
                    hub: hub.clone(),
                    sessions: sessions.clone(),
                    heartbeat: Duration::from_secs(config.event_heartbeat_secs),
                    slots: slots.clone(),
                    links: links.clone(),
                })
            }
            _ => Outcome::Error((rocket::http::Status::InternalServerError, ())),
        }
    }
}

/// Appends one SSE frame. `data` is compact JSON, which never contains a line break.
fn frame(buf: &mut Vec<u8>, id: i64, kind: &str, data: &str) {
    use std::io::Write;
    // Pieces rather than one `write!`: this runs for every event on every stream.
    buf.extend_from_slice(b"id: ");
    let _ = write!(buf, "{id}");
    buf.extend_from_slice(b"\nevent: ");
    frame_rest(buf, kind, data);
}

/// Appends one SSE frame with no `id` (an event never stored: the client's last event id
/// stays where it was).
fn ephemeral_frame(buf: &mut Vec<u8>, kind: &str, data: &str) {
    buf.extend_from_slice(b"event: ");
    frame_rest(buf, kind, data);
}

/// The rest of a frame after `event: `.
fn frame_rest(buf: &mut Vec<u8>, kind: &str, data: &str) {
    buf.extend_from_slice(kind.as_bytes());
    buf.extend_from_slice(b"\ndata: ");
    buf.extend_from_slice(data.as_bytes());
    buf.extend_from_slice(b"\n\n");
}

/// An event stream response: `text/event-stream` around a stream of SSE frames, which the
/// connection polls itself (`Response::set_direct_body`, a patch to the vendored Rocket).
/// Through Rocket's streamed bodies every piece went from the handler's task to the
/// connection's through a one-slot channel and a copy: under a burst, one more task switch
/// and wake-up per delivery.
pub struct SseStream(DirectBody);

impl<'r> Responder<'r, 'static> for SseStream {
    fn respond_to(self, _: &'r Request<'_>) -> response::Result<'static> {
        let mut response = Response::build()
            .header(ContentType::EventStream)
            .raw_header("Cache-Control", "no-cache")
            .raw_header("X-Accel-Buffering", "no")
            .finalize();
        response.set_direct_body(self.0);
        Ok(response)
    }
}

/// The event stream of `user`, or `429` when the user already holds `max_streams_per_user`.
/// Frames are written by hand rather than through Rocket's `EventStream` so that everything
/// waiting in a stream's inbox goes out in one write: under a burst, one write per event was
/// most of the delivery cost. The stream ends when its token expires, as on logout.
///
/// Its starting point is fixed before the response goes out: whatever commits after the
/// client sees `200` is delivered, even when it commits before the body is first polled.
pub async fn open(
    ctx: StreamContext,
    user: AuthUser,
    resume: Resume,
    mut shutdown: Shutdown,
) -> Result<SseStream, Error> {
    let StreamContext {
        db,
        hub,
        sessions,
        heartbeat,
        slots,
        links,
    } = ctx;
    let held = slots.take(user.id)?;
    let expired = sleep(until_expiry(user.exp, &db.clock()));
    // Subscribe before reading storage, so nothing committed in between is missed.
    let slot = hub.subscribe(user.id);
    let (newest, pruned) = db
        .read(|c| Ok((db::events::newest_id(c)?, db::events::pruned_through(c)?)))
        .await?;
    let frames = ByteStream! {
        // Held while the stream is open; dropped when it ends or the client goes away.
        let _held = held;
        let mut expired = std::pin::pin!(expired);
        let mut catch_up = false;
        let mut cursor = match resume {
            Resume::Fresh => newest,
            Resume::After(id) if id >= pruned && id <= newest => {
                catch_up = true;
                id
            }
            _ => {
                let mut buf = Vec::new();
                let reason = json!({ "reason": "Last-Event-ID 已过期，请重新加载" });
                frame(&mut buf, newest, "resync", &reason.to_string());
                yield buf;
                newest
            }
        };
        let mut ticker = interval(heartbeat);
        ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
        ticker.tick().await;
        loop {
            // Replay, or catch-up after the inbox overflowed: read storage page by page.
            while catch_up {
                let Ok((events, last, full)) = read_page(&db, &links, user.id, cursor).await else {
                    return;
                };
                let mut buf = Vec::new();
                for event in &events {
                    frame(&mut buf, event.id, &event.kind, &event.data);
                }
                if !buf.is_empty() {
                    yield buf;
                }
                if let Some(last) = last {
                    cursor = last;
                }
                catch_up = full;
            }
            let taken = slot.take();
            if taken.overflowed {
                catch_up = true;
                continue;
            }
            let had_events = !taken.events.is_empty();
            let mut buf = Vec::new();
            for event in taken.events {
                if event.id == Outgoing::EPHEMERAL {
                    ephemeral_frame(&mut buf, &event.kind, &event.data);
                    continue;
                }
                // Already sent from storage (the two paths overlap at the seam).
                if event.id <= cursor {
                    continue;
                }
                cursor = event.id;
                frame(&mut buf, event.id, &event.kind, &event.data);
            }
            if !buf.is_empty() {
                yield buf;
            }
            if taken.kicked && !user.is_live(&db, &sessions).await {
                break;
            }
            if had_events {
                continue;
            }
            let step = select! {
                _ = slot.wait() => Step::Wake,
                _ = ticker.tick() => Step::Ping,
                _ = &mut shutdown => Step::Stop,
                _ = &mut expired => Step::Stop,
            };
            match step {
                Step::Stop => break,
                Step::Wake => {}
                Step::Ping => {
                    yield b": ping\n\n".to_vec();
                    if !user.is_live(&db, &sessions).await {
                        break;
                    }
                }
            }
        }
    };
    Ok(SseStream(Box::pin(frames.0.map(Bytes::from))))
}

/// Time left before a token expiring at `exp` (seconds since the epoch).
fn until_expiry(exp: i64, clock: &Clock) -> Duration {
    let left = exp.saturating_sub(clock.now_secs());
    Duration::from_secs(u64::try_from(left).unwrap_or(0))
}

/// Single-use, short-lived tickets that let a browser's `EventSource` (which cannot send an
/// `Authorization` header) open its stream without putting its long-lived token in a URL.
#[derive(Default)]
pub struct Tickets {
    open: Mutex<HashMap<String, (AuthUser, Instant)>>,
}

/// How long a ticket may wait to be used.
pub const TICKET_TTL: Duration = Duration::from_secs(60);

impl Tickets {
    pub fn issue(&self, user: &AuthUser) -> String {
        let ticket = crate::auth::random_hex(24);
        let mut open = self.open.recover();
        let now = Instant::now();
        open.retain(|_, (_, at)| now.duration_since(*at) < TICKET_TTL);
        open.insert(ticket.clone(), (user.clone(), now));
        ticket
    }

    /// The ticket's user, once; `None` if unknown, used or expired.
    pub fn redeem(&self, ticket: &str) -> Option<AuthUser> {
        let mut open = self.open.recover();
        let (user, at) = open.remove(ticket)?;
        (at.elapsed() < TICKET_TTL).then_some(user)
    }
}
