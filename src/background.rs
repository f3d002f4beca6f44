//! The server's periodic work, wired in one place: one fairing starts every job at liftoff,
//! and each runs on its own period until shutdown.
//!
//! * every second: notice account changes made by `chatd user …` from another process (the
//!   `auth_epoch` counter), reload the session mirror and make every stream re-check its
//!   token, so a reset password or a disabled account takes effect within about a second;
//! * every minute: delete events older than `event_retention_secs`, and forget rate-limiter
//!   entries of clients quiet for their whole period;
//! * every `backup_interval_secs` (when > 0): a checked backup, keeping `backup_keep`;
//! * ten times a second: notifications (`crate::notify`): new messages every half second,
//!   deliveries every round.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use rocket::fairing::{Fairing, Info, Kind};
use rocket::tokio::select;
use rocket::tokio::time::{interval_at, Instant, Interval, MissedTickBehavior};
use rocket::{Orbit, Rocket, Shutdown};

use crate::config::Config;
use crate::db::{self, Db};
use crate::events::Hub;
use crate::limits::Limits;
use crate::media::store::MediaStore;
use crate::sessions::Sessions;

pub struct Background;

#[rocket::async_trait]
impl Fairing for Background {
    fn info(&self) -> Info {
        Info {
            name: "periodic work",
            kind: Kind::Liftoff,
        }
    }

    async fn on_liftoff(&self, rocket: &Rocket<Orbit>) {
        let (Some(config), Some(db), Some(sessions), Some(hub), Some(limits)) = (
            rocket.state::<Config>(),
            rocket.state::<Db>(),
            rocket.state::<Arc<Sessions>>(),
            rocket.state::<Hub>(),
            rocket.state::<Arc<Limits>>(),
        ) else {
            return;
        };
        let shutdown = rocket.shutdown();
        if let (Some(links), Some(vapid)) = (
            rocket.state::<crate::domain::files::Links>(),
            rocket.state::<crate::notify::vapid::Vapid>(),
        ) {
            match crate::notify::Notifier::new(
                db.clone(),
                hub.clone(),
                links.clone(),
                vapid.clone(),
                config.public_url.clone(),
            ) {
                Ok(notifier) => {
                    rocket::tokio::spawn(notifier.run(shutdown.clone()));
                }
                Err(e) => tracing::error!("notifications are off: {e}"),
            }
        }

        rocket::tokio::spawn(watch_accounts(
            db.clone(),
            sessions.clone(),
            hub.clone(),
            shutdown.clone(),
        ));
        let retention_ms = config.event_retention_secs.saturating_mul(1000);
        rocket::tokio::spawn(prune_events(db.clone(), retention_ms, shutdown.clone()));
        rocket::tokio::spawn(tidy_limits(limits.clone(), shutdown.clone()));
        if let Some(media) = rocket.state::<MediaStore>() {
            rocket::tokio::spawn(sweep_media(
                db.clone(),
                media.clone(),
                config.upload_orphan_secs,
                Duration::from_secs(config.media_sweep_secs),
                shutdown.clone(),
            ));
        }
        if config.backup_interval_secs > 0 {
            let dir = config
                .backup_dir
                .clone()
                .unwrap_or_else(|| crate::backup::default_dir(&config.database_path));
            let backups = Backups {
                database: config.database_path.clone(),
                media: config.media_path(),
                dir,
                keep: config.backup_keep,
            };
            let period = Duration::from_secs(config.backup_interval_secs);
            rocket::tokio::spawn(backups.run(period, shutdown));
        }
    }
}

/// Ticks every `period`, the first time at once or one period from now; `false` once
/// shutdown is asked.
struct Every {
    ticker: Interval,
    shutdown: Shutdown,
}

impl Every {
    fn new(period: Duration, at_once: bool, shutdown: Shutdown) -> Every {
        let start = if at_once {
            Instant::now()
        } else {
            Instant::now() + period
        };
        let mut ticker = interval_at(start, period);
        ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
        Every { ticker, shutdown }
    }

    async fn tick(&mut self) -> bool {
        select! {
            _ = self.ticker.tick() => true,
            _ = &mut self.shutdown => false,
        }
    }
}

async fn watch_accounts(db: Db, sessions: Arc<Sessions>, hub: Hub, shutdown: Shutdown) {
    let mut seen = db.read(db::users::auth_epoch).await.unwrap_or(0);
    let mut every = Every::new(Duration::from_secs(1), false, shutdown);
    while every.tick().await {
        let Ok(epoch) = db.read(db::users::auth_epoch).await else {
            continue;
        };
        if epoch == seen {
            continue;
        }
        let now = db.clock().now_secs();
        match db.read(move |c| db::users::revoked_tokens(c, now)).await {
            Ok(revoked) => {
                sessions.reset(revoked);
                seen = epoch;
                hub.kick_all();
                tracing::info!("accounts changed from the command line; sessions reloaded");
            }
            Err(e) => tracing::error!("cannot reload sessions: {e:?}"),
        }
    }
}

async fn prune_events(db: Db, retention_ms: u64, shutdown: Shutdown) {
    let retention_ms = i64::try_from(retention_ms).unwrap_or(i64::MAX);
    let mut every = Every::new(Duration::from_secs(60), true, shutdown);
    while every.tick().await {
        let cutoff = db.clock().now_ms().saturating_sub(retention_ms);
        match db
            .write_freeing(move |c| db::events::prune(c, cutoff))
            .await
        {
            Ok(0) => {}
            Ok(n) => tracing::info!("pruned {n} events older than the retention period"),
            Err(e) => tracing::error!("pruning events failed: {e:?}"),
        }
    }
}

/// Uploads nothing referred to for `upload_orphan_secs` go, with their contents.
async fn sweep_media(
    db: Db,
    media: MediaStore,
    orphan_secs: u64,
    period: Duration,
    shutdown: Shutdown,
) {
    let mut every = Every::new(period, true, shutdown);
    while every.tick().await {
        match crate::domain::files::sweep_orphans(&db, &media, orphan_secs).await {
            Ok(0) => {}
            Ok(n) => tracing::info!("removed {n} uploads nothing referred to"),
            Err(e) => tracing::error!("sweeping uploads failed: {e:?}"),
        }
    }
}

async fn tidy_limits(limits: Arc<Limits>, shutdown: Shutdown) {
    let mut every = Every::new(Duration::from_secs(60), false, shutdown);
    while every.tick().await {
        limits.tidy();
    }
}

/// Scheduled backups inside the server, one log line each.
struct Backups {
    database: PathBuf,
    media: PathBuf,
    dir: PathBuf,
    keep: usize,
}

impl Backups {
    async fn run(self, period: Duration, shutdown: Shutdown) {
        let mut every = Every::new(period, false, shutdown);
        while every.tick().await {
            let (database, dir, keep) = (self.database.clone(), self.dir.clone(), self.keep);
            let media = self.media.clone();
            let done = rocket::tokio::task::spawn_blocking(move || {
                let written = crate::backup::backup(&database, &media, Some(&dir))?;
                let pruned = crate::backup::prune(&dir, keep)?;
                Ok::<_, String>((written, pruned))
            })
            .await;
            match done {
                Ok(Ok((written, pruned))) => tracing::info!(
                    "scheduled backup written and checked: {} ({} new media files, {pruned} old backups removed)",
                    written.path.display(),
                    written.media_copied
                ),
                Ok(Err(e)) => tracing::error!("scheduled backup failed: {e}"),
                Err(e) => tracing::error!("scheduled backup task failed: {e}"),
            }
        }
    }
}
