//! Answering a download (API.md §12, "Downloading"): the stored bytes streamed from disk, one
//! byte range of them, or `304 Not Modified`, always with headers that keep an uploaded file
//! from running as a page in chatd's origin.
//!
//! Rocket 0.5 has no `Range` support, so this is a small responder of its own:
//!
//! * `If-None-Match` matching the ETag (weak comparison, `*`, lists) → `304`, no body;
//! * one satisfiable `Range: bytes=a-b`, `bytes=a-` or `bytes=-n` → `206` with
//!   `Content-Range: bytes a-b/size` and exactly those bytes (an end past the file is clamped);
//! * one unsatisfiable range (a start at or past the end, a start after its end, `bytes=-0`)
//!   → `416` with `Content-Range: bytes */size` and the JSON envelope `请求范围无效`;
//! * anything else — no `Range`, several ranges, another unit, a malformed value — → `200`
//!   with the whole file (RFC 9110 lets a server ignore `Range`), never a `500`.
//!
//! The file is opened once ([`Download::open`], blocking: call it on the blocking pool, in
//! the same hand-off as the access check). A small file (at most [`IN_MEMORY_MAX`], such as
//! a thumbnail or an avatar) is read whole right there, so answering it needs no further
//! trip to the blocking pool; anything larger is streamed in 64 KiB chunks by
//! `tokio::fs::File` and never held in memory. A handler does:
//!
//! ```ignore
//! #[get("/files/<id>")]
//! async fn download(/* guards */) -> Result<Opened, Error> {
//!     db.read(move |conn| {
//!         let download: Download = /* the access rule, the stored path, mime, hash, name */;
//!         download.open()
//!     })
//!     .await
//! }
//! ```
//!
//! and the responder reads `Range` and `If-None-Match` from the request itself. `HEAD`
//! works too (Rocket answers it with the `GET` route and strips the body).

use std::io::{Read, Seek, SeekFrom};
use std::path::PathBuf;

use rocket::http::Status;
use rocket::request::Request;
use rocket::response::{self, Responder, Response};
use rocket::tokio::io::AsyncReadExt;

use crate::error::{whole_body, Error, GuardError};

/// How big the pieces are that a download is sent in (Rocket's default is 4 KiB).
const CHUNK: usize = 64 * 1024;

/// Files up to this size are read whole when opened and answered from memory (thumbnails
/// are 10–100 KiB); larger ones are streamed from disk.
pub const IN_MEMORY_MAX: u64 = 256 * 1024;

/// What a download answers with when a file name has nothing usable left in it.
const FALLBACK_NAME: &str = "download";

/// A stored file, ready to be opened and served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Download {
    /// The bytes on disk.
    pub path: PathBuf,
    /// The stored `Content-Type` (decided from the bytes at upload). Sent as is when it is
    /// a plain header value, else as `application/octet-stream`.
    pub mime: String,
    /// The strong entity tag without its quotes: the content hash (hex). Sent as
    /// `ETag: "<etag>"`, so it must be visible ASCII without `"` (a hex hash is).
    pub etag: String,
    pub disposition: Disposition,
}

/// `Content-Disposition`: shown in the page, or saved under a name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Disposition {
    Inline,
    Attachment { name: String },
}

/// `Inline` only for the images, audio and video chatd recognised (`image/jpeg`, `image/png`,
/// `image/gif`, `image/webp`, `audio/*`, `video/*`); everything else — HTML, SVG, PDF,
/// `application/octet-stream` — is an attachment saved as `name`, so it never runs.
pub fn disposition_for(mime: &str, name: &str) -> Disposition {
    let essence = mime
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let media = match essence.split_once('/') {
        Some(("image", "jpeg" | "png" | "gif" | "webp")) => true,
        Some(("audio" | "video", subtype)) => is_token(subtype),
        _ => false,
    };
    if media {
        Disposition::Inline
    } else {
        Disposition::Attachment {
            name: name.to_string(),
        }
    }
}

impl Download {
    /// Opens the file and learns its size, reading it whole when it is at most
    /// [`IN_MEMORY_MAX`]. Blocking: run it on the blocking pool. A file missing on disk (say,
    /// erased by a recall that raced this download) is `404 文件不存在`; any other failure
    /// is a `500`.
    pub fn open(self) -> Result<Opened, Error> {
        self.open_within(IN_MEMORY_MAX)
    }

    /// [`Download::open`], reading files of at most `in_memory` bytes whole.
    pub fn open_within(self, in_memory: u64) -> Result<Opened, Error> {
        let mut file = match std::fs::File::open(&self.path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                tracing::warn!(path = %self.path.display(), "a served file is missing on disk");
                return Err(Error::FileNotFound);
            }
            Err(e) => return Err(open_failed(&self, e)),
        };
        let metadata = file.metadata().map_err(|e| open_failed(&self, e))?;
        if !metadata.is_file() {
            return Err(Error::internal(format!(
                "{} is not a regular file",
                self.path.display()
            )));
        }
        let size = metadata.len();
        let body = if size <= in_memory {
            let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
            file.read_to_end(&mut bytes)
                .map_err(|e| open_failed(&self, e))?;
            // Content-addressed files never change; a shorter read means it was replaced
            // under us, which the size and ETag would then misdescribe.
            if bytes.len() as u64 != size {
                return Err(open_failed(&self, std::io::ErrorKind::UnexpectedEof.into()));
            }
            Body::Memory(bytes)
        } else {
            Body::Disk(file)
        };
        Ok(Opened {
            body,
            size,
            download: self,
        })
    }
}

fn open_failed(download: &Download, e: std::io::Error) -> Error {
    Error::internal(format!("cannot open {}: {e}", download.path.display()))
}

/// An opened [`Download`]: the responder. It reads `Range` and `If-None-Match` from the
/// request it answers.
#[derive(Debug)]
pub struct Opened {
    download: Download,
    body: Body,
    size: u64,
}

/// The bytes of an opened download: read whole (small files), or still on disk.
#[derive(Debug)]
enum Body {
    Memory(Vec<u8>),
    Disk(std::fs::File),
}

impl<'r> Responder<'r, 'static> for Opened {
    fn respond_to(self, req: &'r Request<'_>) -> response::Result<'static> {
        let Opened {
            download,
            body,
            size,
        } = self;
        let if_none_match: Vec<&str> = req.headers().get("If-None-Match").collect();
        if !if_none_match.is_empty() && none_match(&if_none_match.join(","), &download.etag) {
            let mut response = Response::build().status(Status::NotModified).finalize();
            protect(&mut response);
            describe(&download, &mut response);
            return Ok(response);
        }
        let ranges: Vec<&str> = req.headers().get("Range").collect();
        let plan = match ranges.as_slice() {
            [range] => plan(range, size),
            _ => Plan::Whole,
        };
        let mut response = match plan {
            Plan::Whole => {
                let mut response = Response::build();
                response.status(Status::Ok);
                // The chunk size is set after the body (setting a body resets it). From
                // memory: one piece of exactly its size, no 64 KiB buffer per answer.
                match body {
                    Body::Memory(bytes) => whole_body(&mut response, bytes),
                    Body::Disk(file) => response
                        .sized_body(
                            usize::try_from(size).ok(),
                            rocket::tokio::fs::File::from_std(file),
                        )
                        .max_chunk_size(CHUNK),
                };
                let mut response = response.finalize();
                // Rocket's server sets it from the body's size too; `rocket::local` does not.
                response.set_raw_header("Content-Length", size.to_string());
                describe(&download, &mut response);
                response
            }
            Plan::Part { start, end } => {
                let len = end - start + 1;
                let mut response = Response::build();
                response.status(Status::PartialContent);
                match body {
                    Body::Memory(bytes) => {
                        // `plan` keeps `start..=end` inside the file.
                        whole_body(&mut response, bytes[start as usize..=end as usize].to_vec());
                    }
                    Body::Disk(mut file) => {
                        // `lseek` only moves the offset: no disk I/O on the async worker.
                        if let Err(e) = file.seek(SeekFrom::Start(start)) {
                            let detail = format!("cannot seek in {}: {e}", download.path.display());
                            return Err(GuardError::stash(req, Error::Internal(detail)));
                        }
                        response
                            .streamed_body(rocket::tokio::fs::File::from_std(file).take(len))
                            .max_chunk_size(CHUNK);
                    }
                };
                let mut response = response.finalize();
                // A streamed body has no size of its own: this header frames it (hyper then
                // sends exactly this many bytes, not chunks).
                response.set_raw_header("Content-Length", len.to_string());
                response.set_raw_header("Content-Range", format!("bytes {start}-{end}/{size}"));
                describe(&download, &mut response);
                response
            }
            Plan::Unsatisfiable => {
                let mut response = Error::RangeNotSatisfiable.respond_to(req)?;
                response.set_raw_header("Content-Range", format!("bytes */{size}"));
                response
            }
        };
        protect(&mut response);
        Ok(response)
    }
}

/// The headers every answer carries, the `416` envelope included.
fn protect(response: &mut Response<'_>) {
    response.set_raw_header("Cache-Control", "private");
    response.set_raw_header("X-Content-Type-Options", "nosniff");
    response.set_raw_header("Content-Security-Policy", "sandbox; default-src 'none'");
    response.set_raw_header("Accept-Ranges", "bytes");
}

/// The headers of the file itself: its type, tag and disposition (not on the `416`, whose
/// body is the JSON envelope).
fn describe(download: &Download, response: &mut Response<'_>) {
    let mime = if !download.mime.is_empty() && is_header_safe(&download.mime) {
        download.mime.clone()
    } else {
        "application/octet-stream".to_string()
    };
    response.set_raw_header("Content-Type", mime);
    response.set_raw_header("ETag", format!("\"{}\"", download.etag));
    response.set_raw_header(
        "Content-Disposition",
        content_disposition(&download.disposition),
    );
}

/// What to answer for the request's one `Range` value on a file of `size` bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Plan {
    /// `200` with everything: no usable `Range`.
    Whole,
    /// `206` with bytes `start..=end`.
    Part { start: u64, end: u64 },
    /// `416`.
    Unsatisfiable,
}

/// RFC 9110 §14.1–14.2 for one `Range` header value: `bytes=a-b`, `bytes=a-`, `bytes=-n`.
/// Several ranges, another unit or a value that does not parse are ignored ([`Plan::Whole`]).
fn plan(range: &str, size: u64) -> Plan {
    let Some((unit, set)) = range.trim().split_once('=') else {
        return Plan::Whole;
    };
    if !unit.trim().eq_ignore_ascii_case("bytes") {
        return Plan::Whole;
    }
    // A list may hold empty elements (`0-1,`); only a single real range is served.
    let mut specs = set.split(',').map(str::trim).filter(|s| !s.is_empty());
    let (Some(spec), None) = (specs.next(), specs.next()) else {
        return Plan::Whole;
    };
    let Some((first, last)) = spec.split_once('-') else {
        return Plan::Whole;
    };
    let (first, last) = (first.trim(), last.trim());
    if first.is_empty() {
        // A suffix: the last `n` bytes, all of them when the file is shorter.
        let Some(n) = number(last) else {
            return Plan::Whole;
        };
        return match (n, size) {
            (0, _) => Plan::Unsatisfiable,
            // RFC 9110 calls `-n` satisfiable on an empty file, but no `Content-Range` can
            // describe its part: the whole (empty) file it is.
            (_, 0) => Plan::Whole,
            (n, size) => Plan::Part {
                start: size.saturating_sub(n),
                end: size - 1,
            },
        };
    }
    let Some(start) = number(first) else {
        return Plan::Whole;
    };
    let end = if last.is_empty() {
        u64::MAX
    } else {
        match number(last) {
            Some(end) if end < start => return Plan::Unsatisfiable,
            Some(end) => end,
            None => return Plan::Whole,
        }
    };
    if start >= size {
        return Plan::Unsatisfiable;
    }
    Plan::Part {
        start,
        end: end.min(size - 1),
    }
}

/// 1*DIGIT; a number too large for `u64` is `u64::MAX` (still past the end of any file).
fn number(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(text.parse().unwrap_or(u64::MAX))
}

/// Whether `If-None-Match` (all its values joined by commas) matches `etag` (unquoted):
/// `*`, or any listed entity tag by the weak comparison (RFC 9110 §13.1.2: `W/"x"` matches
/// `"x"`). A malformed list matches only up to where it stops parsing.
fn none_match(header: &str, etag: &str) -> bool {
    let mut rest = header;
    loop {
        rest = rest.trim_start_matches([' ', '\t', ',']);
        if rest.is_empty() {
            return false;
        }
        if rest.starts_with('*') {
            return true;
        }
        let tag = rest.strip_prefix("W/").unwrap_or(rest);
        let Some(tag) = tag.strip_prefix('"') else {
            return false;
        };
        let Some(close) = tag.find('"') else {
            return false;
        };
        if &tag[..close] == etag {
            return true;
        }
        rest = &tag[close + 1..];
    }
}

/// `inline`, or `attachment; filename="<ASCII fallback>"; filename*=UTF-8''<name>`
/// (RFC 6266 with RFC 8187's encoding), where `<name>` keeps any Unicode letters and the
/// fallback is the same name with everything but plain printable ASCII replaced by `_`.
fn content_disposition(disposition: &Disposition) -> String {
    let Disposition::Attachment { name } = disposition else {
        return "inline".to_string();
    };
    let name = clean_name(name);
    let fallback: String = name
        .chars()
        .map(|c| match c {
            ' '..='~' if !matches!(c, '"' | '\\' | '%') => c,
            _ => '_',
        })
        .collect();
    let mut encoded = String::with_capacity(name.len() * 3);
    for byte in name.bytes() {
        if byte.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

/// The name a download is saved under: control characters (CR/LF among them), invisible
/// direction overrides (which can make `gpj.exe` look like `exe.jpg`) and path separators
/// become `_` (after surrounding spaces go); at most 200 characters, keeping a short extension;
/// `download` when nothing is left.
fn clean_name(name: &str) -> String {
    let cleaned: String = name
        .trim()
        .chars()
        .map(|c| {
            let invisible = matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{2028}' | '\u{2029}' | '\u{FEFF}');
            if c.is_control() || invisible || c == '/' || c == '\\' {
                '_'
            } else {
                c
            }
        })
        .collect();
    let cleaned = cleaned.as_str();
    const MAX: usize = 200;
    if cleaned.is_empty() {
        return FALLBACK_NAME.to_string();
    }
    if cleaned.chars().count() <= MAX {
        return cleaned.to_string();
    }
    let extension = cleaned
        .rfind('.')
        .map(|dot| &cleaned[dot..])
        .filter(|ext| ext.chars().count() <= 16)
        .unwrap_or("");
    let keep = MAX - extension.chars().count();
    let stem: String = cleaned.chars().take(keep).collect();
    format!("{stem}{extension}")
}

/// A header value Rocket can send as is: visible ASCII and spaces only.
fn is_header_safe(value: &str) -> bool {
    value
        .bytes()
        .all(|b| b == b' ' || b == b'\t' || b.is_ascii_graphic())
}

/// An RFC 9110 token (a media subtype): non-empty, no separators.
fn is_token(text: &str) -> bool {
    !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

#[cfg(test)]
mod tests;
