//! STUB until the image module lands (helper branch media-img): types only.

use std::path::Path;

pub struct Analyzed {
    pub mime: String,
    pub image: Option<Picture>,
}

pub struct Picture {
    pub width: u32,
    pub height: u32,
    pub thumbnail: Vec<u8>,
    pub thumbnail_mime: &'static str,
}

pub fn analyze(_path: &Path, _max_pixels: u64) -> std::io::Result<Analyzed> {
    Ok(Analyzed {
        mime: "application/octet-stream".into(),
        image: None,
    })
}

pub fn strip_metadata(_path: &Path, _mime: &str) -> std::io::Result<bool> {
    Ok(false)
}
