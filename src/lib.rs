//! chatd: a self-hosted chat server in one binary on one SQLite file.
//!
//! # Layout
//!
//! * `cli`     — the command line (`serve`, `migrate`, `seed`) and start-up checks.
//! * `config`  — chatd's settings, read from Rocket's figment (`Rocket.toml`, `ROCKET_*`).
//! * `error`   — the one error type, the envelope, and the catchers.
//! * `auth`    — JWTs, the `AuthUser` guard, login throttling.
//! * `passwords` — argon2id hashing on a bounded pool of hasher threads.
//! * `workers` — lower-priority (nice 10) threads behind a short queue: password hashing and
//!   notification deliveries.
//! * `notify/` — notifications that reach a phone: the notifier, ntfy, Web Push, the VAPID key.
//! * `limits/` — rate limits, the client address, stream and connection caps.
//! * `ids`     — prefixed id newtypes (`u_`, `c_`, `m_`, `r_`, `f_`).
//! * `media/`  — files without the database: serving one (ranges, ETags, safe headers) and
//!   signing its per-viewer URLs. It never imports `api`, `domain` or `db`.
//! * `api/`    — thin HTTP handlers, one file per resource, each exporting `routes()` and
//!   `api()`, their OpenAPI description (`api/docs` joins them into the served document).
//! * `domain/` — the rules: validation, permissions, per-viewer rendering.
//! * `db/`     — plain SQL; a pool of readers and one group-committing writer thread; the
//!   disk reserve. A leaf: it imports only `config`, `error`, `ids`, `time` (`architecture`
//!   checks every arrow). Whoever wants to know about commits subscribes.
//! * `events/` — real-time events: the dispatcher, per-stream inboxes, the SSE stream.
//! * `time`    — RFC 3339 rendering of stored times.
//! * `sync`    — the one rule for poisoned locks.
//! * `sessions`— token liveness (password generation, logged-out tokens) kept in memory.
//! * `seed`    — demo data and large synthetic data sets.
//! * `backup`  — online backups, restore, and the serving lock.
//! * `background` — periodic work: account changes from the CLI, event pruning, limiter
//!   housekeeping, scheduled backups.
//! * `admin`   — `chatd user …`: list, reset-password, disable, enable.
//! * `logging` — tracing set-up and the request-log fairing.
//! * `tls`     — HTTPS served directly: the certificate and key checked at start.
//! * `media/`  — uploads: the type from the bytes, image sizes and thumbnails, metadata
//!   stripping (`media::image`: pure functions over a file, no Rocket, no database).
//! * `web/`    — the embedded web client and its headers (CSP, caching).
//!
//! Nothing is global: `build_rocket` takes a figment, so every test runs its own app on its
//! own database file.

pub mod admin;
pub mod api;
#[cfg(test)]
mod architecture;
pub mod auth;
pub mod background;
pub mod backup;
pub mod cli;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod events;
pub mod ids;
pub mod limits;
pub mod logging;
pub mod media;
pub mod notify;
#[cfg(test)]
mod parser_props;
pub mod passwords;
pub mod seed;
pub mod sessions;
pub mod sync;
pub mod time;
pub mod tls;
pub mod web;
pub mod workers;

use rocket::figment::Figment;
use rocket::{catchers, Build, Rocket};

use crate::auth::{LoginThrottle, Tokens};
use crate::config::Config;
use crate::db::Db;

/// Everything the server needs, checked and opened: configuration, migrated database,
/// running writer, signing keys. Any failure is a message that says what to fix.
pub fn build_rocket(figment: Figment) -> Result<Rocket<Build>, String> {
    let figment = config::base_figment(figment);
    let config = Config::from_figment(&figment)?;
    tls::check(&figment)?;
    db::migrate::run(&config.database_path)?;
    let secret = auth::load_secret(
        config.jwt_secret.as_ref().map(config::Secret::expose),
        &config.database_path,
    )?;
    let clock = time::Clock::default();
    let tokens = Tokens::new(&secret, config.token_ttl_secs, clock.clone());
    let hub = events::Hub::default();
    let sessions = {
        let conn = db::open(&config.database_path)?;
        sessions::Sessions::load(&conn, clock.now_secs())
            .map_err(|e| format!("cannot read sessions: {e:?}"))?
    };
    let db = Db::start(&config, clock.clone())?;
    let media = media::store::MediaStore::open(&config.media_path())?;
    media.clear_leftovers();
    let links =
        domain::files::Links::new(media::sign::Signer::new(&secret), &config, clock.clone());
    // Subscribed before anything is written, so the dispatcher misses no commit.
    events::dispatch::spawn(
        &config.database_path,
        hub.clone(),
        links.clone(),
        db.subscribe_commits(),
    )?;
    let vapid = notify::vapid::load_or_create(&config.database_path)?;
    let hasher = passwords::Hasher::start(config.hash_concurrency, config.hash_queue)?;
    let fd_limit = limits::connections::fd_limit();
    let max_connections = limits::connections::cap(&config, fd_limit);
    tracing::info!(
        "open-file limit {}, at most {max_connections} connections (max_connections), \
         request heads within {} s",
        fd_limit.map_or_else(|| "unlimited".to_string(), |n| n.to_string()),
        config.header_timeout_secs
    );
    if config.replication == config::Replication::Litestream {
        tracing::info!(
            "replication = \"litestream\": checkpoints are left to Litestream \
             (wal_autocheckpoint = 0, none of chatd's own); run chatd under \
             `litestream replicate -exec`, or its WAL grows without end"
        );
    }
    Ok(rocket::custom(figment)
        .manage(limits::connections::limits(&config, max_connections))
        .manage(std::sync::Arc::new(limits::Limits::new(
            &config.rate_limits,
        )))
        .manage(limits::StreamSlots::new(config.max_streams_per_user))
        .manage(hasher)
        .manage(config)
        .manage(db)
        .manage(media)
        .manage(links)
        .manage(clock)
        .manage(tokens)
        .manage(LoginThrottle::default())
        .manage(domain::pages::PageCache::default())
        .manage(hub)
        .manage(vapid)
        .manage(events::typing::Typing::default())
        .manage(web::Gzipped::default())
        .manage(std::sync::Arc::new(sessions))
        .manage(events::stream::Tickets::default())
        .manage(api::docs::Document(api::docs::openapi_json()?))
        .mount(api::docs::MOUNT, api::routes())
        .mount("/", web::routes())
        .register("/", catchers![error::default_catcher])
        .attach(logging::RequestLog)
        .attach(background::Background))
}
