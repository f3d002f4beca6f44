//! Logs: `tracing` to stderr, one line per request (method, path without the query, status,
//! time). Headers and bodies are never logged, so neither tokens nor passwords can leak.

use std::time::Instant;

use rocket::fairing::{Fairing, Info, Kind};
use rocket::{Data, Orbit, Request, Response, Rocket};

/// Installs the subscriber; `RUST_LOG` overrides the default `info` level.
pub fn init() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false)
        .try_init();
}

pub struct RequestLog;

#[derive(Clone, Copy)]
struct Started(Instant);

#[rocket::async_trait]
impl Fairing for RequestLog {
    fn info(&self) -> Info {
        Info {
            name: "request log",
            kind: Kind::Request | Kind::Response | Kind::Liftoff | Kind::Shutdown,
        }
    }

    async fn on_liftoff(&self, rocket: &Rocket<Orbit>) {
        let config = rocket.config();
        tracing::info!(
            "chatd {} listening on {}://{}:{}",
            env!("CARGO_PKG_VERSION"),
            crate::tls::scheme(config),
            config.address,
            config.port
        );
    }

    async fn on_request(&self, req: &mut Request<'_>, _: &mut Data<'_>) {
        req.local_cache(|| Started(Instant::now()));
    }

    async fn on_response<'r>(&self, req: &'r Request<'_>, res: &mut Response<'r>) {
        let started = req.local_cache(|| Started(Instant::now())).0;
        tracing::info!(
            method = %req.method(),
            path = %req.uri().path(),
            status = res.status().code,
            ms = format_args!("{:.2}", started.elapsed().as_secs_f64() * 1000.0),
            "request"
        );
    }

    async fn on_shutdown(&self, _: &Rocket<Orbit>) {
        tracing::info!("chatd shutting down");
    }
}
