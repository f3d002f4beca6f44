//! HTTP handlers: thin functions that parse the request, call `domain`, and wrap the result
//! in the envelope. Each file exports `routes()`, which `crate::build_rocket` mounts once,
//! and `api()`, the same routes in the OpenAPI document (`docs`).

pub mod accounts;
pub mod avatars;
pub mod body;
pub mod chat;
pub mod conversations;
pub mod docs;
pub mod events;
pub mod files;
pub mod friends;
pub mod groups;
pub mod me;
pub mod messages;
pub mod notifications;
pub mod search;

use rocket::Route;

/// Every route under `/api`.
pub fn routes() -> Vec<Route> {
    let mut routes = accounts::routes();
    routes.extend(me::routes());
    routes.extend(avatars::routes());
    routes.extend(friends::routes());
    routes.extend(conversations::routes());
    routes.extend(groups::routes());
    routes.extend(chat::routes());
    routes.extend(messages::routes());
    routes.extend(notifications::routes());
    routes.extend(search::routes());
    routes.extend(events::routes());
    routes.extend(files::routes());
    routes.extend(docs::routes());
    routes
}

/// The same routes in the OpenAPI document, one part per file (`docs::openapi` joins them).
fn apis() -> Vec<utoipa::openapi::OpenApi> {
    vec![
        accounts::api(),
        me::api(),
        avatars::api(),
        friends::api(),
        conversations::api(),
        groups::api(),
        chat::api(),
        messages::api(),
        notifications::api(),
        search::api(),
        events::api(),
        files::api(),
        docs::api(),
    ]
}
