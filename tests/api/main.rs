//! Integration tests: every test drives the real Rocket app (`rocket::local`) against its own
//! SQLite file in a temporary folder. One test binary, one module per area.

// Shared with tests/browser: not every helper is used by both.
#[allow(dead_code)]
#[path = "../common/server.rs"]
mod server;

#[path = "../common/debian.rs"]
mod debian;
#[path = "../common/flood.rs"]
mod flood;
mod helpers;
mod live;
mod notify;

mod accounts;
mod admin;
mod cli;
mod connections;
mod conversations;
mod crash;
mod disk;
mod errors;
mod events;
mod files;
mod friends;
mod fuzz;
mod groups;
mod https;
mod limits;
mod messages;
mod openapi;
mod profile_events;
mod replication;
mod search;
mod sessions;
mod staples;
mod web;
mod writer;
