//! Files without the database: [`serve`] answers a download (whole, one byte range, or
//! `304`) with headers that keep an uploaded page from ever running; [`sign`] makes and
//! checks the per-viewer, expiring URLs that let `<img>` and `<audio>` fetch without a token.
//! Who may see which file is decided elsewhere (`domain`); these only carry it out.

pub mod serve;
pub mod sign;
