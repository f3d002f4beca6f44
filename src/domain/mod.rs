//! The rules of chatd, free of Rocket types: who may do what, validation of input, and
//! rendering of messages for one viewer. Handlers call these; these call `db`.

pub mod accounts;
pub mod conversations;
pub mod events;
pub mod friends;
pub mod groups;
pub mod messages;
pub mod render;
pub mod time;
pub mod validate;
