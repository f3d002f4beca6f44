//! Uploaded files (API.md §12): content-addressed storage on disk, image analysis, signed
//! URLs and the download responder.

pub mod image;
pub mod sign;
pub mod store;
