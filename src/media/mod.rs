//! Photos, files and voice notes: what an upload is, thumbnails, metadata.

pub mod image;
