//! chatd's patch to Rocket 0.5.2 (see `vendor/rocket/PATCHED.md`): bounds on connections
//! that Rocket 0.5 has no setting for.
//!
//! Rocket 0.5 turns hyper's header read timeout off and accepts without limit, so an idle,
//! half-sent or never-sent request holds its socket (and file descriptor) forever. When an
//! application manages a [`ConnectionLimits`] value, the server:
//!
//! * closes a connection whose next request head has not fully arrived within
//!   `header_read_timeout` (this covers fresh connections that send nothing, slow or
//!   incomplete request heads, and idle keep-alive connections between requests);
//! * keeps at most `max_connections` connections open: at the cap it stops accepting until
//!   one closes (new connections wait in the kernel's backlog), and calls `on_saturated`
//!   once each time the cap is reached.
//!
//! Without a managed value, Rocket behaves as upstream.

use std::sync::Arc;
use std::time::Duration;

/// Called with the cap when the server stops accepting because every slot is in use.
pub type SaturatedHook = Arc<dyn Fn(usize) + Send + Sync>;

/// Connection bounds; manage one with `rocket.manage(ConnectionLimits { .. })`.
#[derive(Clone)]
pub struct ConnectionLimits {
    /// Open connections at most (0: unlimited).
    pub max_connections: usize,
    /// How long a request head may take to arrive, counted from when the connection is
    /// ready for it (accepted, or the previous response sent).
    pub header_read_timeout: Duration,
    /// Told when the cap is reached.
    pub on_saturated: Option<SaturatedHook>,
}
