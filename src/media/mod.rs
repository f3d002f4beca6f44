//! Uploaded files (API.md §12) without the database: [`store`] keeps each content once on
//! disk; [`image`] reads what an upload is and makes thumbnails; [`serve`] answers a download
//! (whole, one byte range, or `304`) with headers that keep an uploaded page from ever
//! running; [`sign`] makes and checks the per-viewer, expiring URLs that let `<img>` and
//! `<audio>` fetch without a token. Who may see which file is decided in `domain`.

pub mod image;
pub mod serve;
pub mod sign;
pub mod store;
