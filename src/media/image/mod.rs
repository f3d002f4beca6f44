//! What an uploaded file is, an image's size and thumbnail, and a photo's metadata removed.
//!
//! Pure functions over a file on disk: no Rocket, no database. Everything here is CPU or
//! disk work and runs on a blocking thread (the caller uses `spawn_blocking`). Nothing here
//! panics on any input: the decoders run inside `catch_unwind`, and the metadata walkers
//! are bounds-checked by hand (and fuzzed in the tests).
//!
//! * [`analyze`] — the type from the bytes (`infer`), and for JPEG/PNG/GIF/WebP the
//!   displayed size and a thumbnail of at most 400×400. The pixel count is read from the
//!   header and checked before anything is decoded, so a decompression bomb never allocates.
//! * [`strip_metadata`] — removes EXIF, XMP, comments and other identifying metadata from a
//!   stored JPEG/PNG/WebP (and GIF) in place, without re-encoding: the pixel data is copied byte for
//!   byte. An EXIF orientation other than 1 survives as a minimal EXIF holding only that tag,
//!   so the photo still shows upright.
//!
//! # Types (`Analyzed::mime`)
//!
//! `infer`'s answer from the first 64 KiB, with its unregistered aliases renamed to the
//! registered type that is served as `Content-Type`: `audio/m4a` → `audio/mp4`,
//! `audio/x-wav` → `audio/wav`, `audio/x-flac` → `audio/flac`, `audio/opus` → `audio/ogg`
//! (Opus in an Ogg file). An ISO media file (`ftyp` at offset 4) whose brand `infer` does not
//! list (e.g. `isom`, which browsers' `MediaRecorder` may write) is `video/mp4`. Containers
//! are named by their container, not their tracks: a WebM holding only an Opus track (what
//! Chromium's `MediaRecorder` writes) is `video/webm` (and `infer` needs more than 256 bytes
//! of it), an MP4 with the `M4A ` brand is `audio/mp4`, other MP4s `video/mp4` — so a voice
//! note is accepted as `audio/*`, `video/webm` or `video/mp4`. HTML is `text/html` when it
//! starts (after white space, any case) with one of the tags `infer` knows (`<!DOCTYPE HTML`,
//! `<html`, `<head`, `<script`, `<iframe`, `<h1`, `<div`, `<font`, `<table`, `<a`, `<style`,
//! `<title`, `<b`, `<body`, `<br`, `<p`, `<!--`); other markup (`<img …>`, SVG) and other
//! text are `application/octet-stream`. Old Office files (OLE compound documents) are
//! `application/octet-stream` too: `infer` is built without `cfb`.
//!
//! # Metadata kept and removed ([`strip_metadata`])
//!
//! * JPEG: kept are every non-APP segment (tables, frame, scans), APP0 `JFIF` without an
//!   embedded thumbnail, APP2 `ICC_PROFILE` and APP14 `Adobe` (colour: visible). Removed are
//!   APP1 (EXIF, XMP), every other APPn (IPTC, MPF, FlashPix, maker data), COM comments, and
//!   anything after the end-of-image marker (MPF's second pictures, vendor trailers).
//! * PNG: kept are the critical chunks and those that change what is shown (`tRNS`, `gAMA`,
//!   `cHRM`, `sRGB`, `iCCP`, `sBIT`, `cICP`, `mDCv`, `cLLi`, `bKGD`, `pHYs`, `sPLT`, `hIST`,
//!   and APNG's `acTL`/`fcTL`/`fdAT`). Removed are `eXIf`, `tEXt`/`zTXt`/`iTXt`, `tIME`,
//!   every other ancillary chunk, and anything after `IEND`.
//! * WebP: kept are `VP8X`, `VP8 `, `VP8L`, `ALPH`, `ANIM`, `ANMF`, `ICCP`; removed are
//!   `EXIF`, `XMP ` and unknown chunks, with `VP8X`'s flags and the RIFF size fixed.
//! * GIF: kept are the header, colour tables, images, graphic control and plain-text
//!   extensions, and the `NETSCAPE2.0`/`ANIMEXTS1.0` loop count; removed are comment
//!   extensions, every other application extension (XMP, ICC, vendor data), and anything
//!   after the trailer.
//! * The minimal EXIF takes the place of the first original EXIF (big-endian TIFF, one IFD
//!   entry: Orientation).
//!
//! A part of the file cut short (a truncated upload) is kept as it is when it is picture
//! data, dropped when it is metadata.

use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};

/// The longest side of a thumbnail, in pixels.
pub const THUMBNAIL_MAX: u32 = 400;
/// The quality of JPEG thumbnails (1–100).
const THUMBNAIL_QUALITY: u8 = 80;
/// How much of a file `infer` looks at.
const SNIFF_BYTES: u64 = 64 * 1024;
/// The type of anything `infer` does not recognise.
pub const OCTET_STREAM: &str = "application/octet-stream";
/// The most bytes a decoded pixel takes among the formats decoded here (16-bit RGBA PNG):
/// with `max_pixels`, the bound of `image`'s allocation limit.
const MAX_BYTES_PER_PIXEL: u64 = 8;
/// Headroom in that limit for what is not pixels (palettes, ICC profiles, row buffers).
const ALLOC_HEADROOM: u64 = 16 * 1024 * 1024;
/// The allocation limit whatever `max_pixels` says (a fence even when that is unlimited).
const ALLOC_CEILING: u64 = 2 * 1024 * 1024 * 1024;

/// What the bytes of an upload are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Analyzed {
    /// Decided from the bytes (magic numbers), never from a name: "image/jpeg", "image/png",
    /// "image/gif", "image/webp", audio ("audio/webm", "audio/ogg", "audio/mp4", "audio/mpeg",
    /// "audio/wav", …), video, "application/pdf", …; "application/octet-stream" when unknown.
    /// See the module documentation for the exact rules (containers, aliases).
    pub mime: String,
    /// For JPEG/PNG/GIF/WebP that decode within `max_pixels`: size and thumbnail. `None`
    /// for anything else, for a corrupt image, and for one larger than `max_pixels` (never
    /// decoded).
    pub image: Option<Picture>,
}

/// A decodable image's displayed size and thumbnail.
#[derive(Clone, PartialEq, Eq)]
pub struct Picture {
    /// As displayed: after the EXIF orientation (a 90°-rotated photo reports swapped sides).
    pub width: u32,
    /// As displayed, like `width`.
    pub height: u32,
    /// At most 400×400 keeping the aspect ratio (at least 1 pixel on each side), never larger
    /// than the original, upright (EXIF orientation applied), the first frame of an animated
    /// GIF. JPEG, or PNG when the image has transparency (an alpha channel with any pixel not
    /// fully opaque). Carries no metadata.
    pub thumbnail: Vec<u8>,
    /// "image/jpeg" or "image/png".
    pub thumbnail_mime: &'static str,
}

impl std::fmt::Debug for Picture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Picture")
            .field("width", &self.width)
            .field("height", &self.height)
            .field("thumbnail", &format_args!("{} bytes", self.thumbnail.len()))
            .field("thumbnail_mime", &self.thumbnail_mime)
            .finish()
    }
}

/// What the file at `path` is: its type from its bytes and, for a JPEG/PNG/GIF/WebP of at
/// most `max_pixels` pixels that decodes, its displayed size and a thumbnail.
///
/// Reads only the header first: the pixel count is checked BEFORE decoding (a decompression
/// bomb never allocates). Uses image's Limits too (max_alloc: 8 bytes a pixel plus 16 MiB,
/// at most 2 GiB whatever `max_pixels` says) as a second fence. A corrupt image, or one
/// that makes a decoder panic, is `image: None`. Errors are only I/O errors of opening or
/// reading the file.
///
/// Memory while it runs: a JPEG's whole file (the decoder reads it in), the decoded pixels
/// (3 bytes a pixel for a photo, up to 8 for a 16-bit RGBA PNG) and the small thumbnail; a
/// 12-megapixel photo takes about 45 MB for ~0.2 s (release build, this 2-core machine).
pub fn analyze(path: &Path, max_pixels: u64) -> io::Result<Analyzed> {
    let mut file = File::open(path)?;
    let mut head = Vec::new();
    (&mut file).take(SNIFF_BYTES).read_to_end(&mut head)?;
    let mime = sniff(&head);
    let image = match decodable(mime) {
        Some(format) => {
            file.seek(SeekFrom::Start(0))?;
            catch_unwind(AssertUnwindSafe(|| picture(file, format, max_pixels)))
                .ok()
                .flatten()
        }
        None => None,
    };
    Ok(Analyzed {
        mime: mime.to_string(),
        image,
    })
}

/// The type of a file from its first bytes (see the module documentation).
pub fn sniff(head: &[u8]) -> &'static str {
    match infer::get(head).map(|kind| kind.mime_type()) {
        Some("audio/m4a") => "audio/mp4",
        Some("audio/x-wav") => "audio/wav",
        Some("audio/x-flac") => "audio/flac",
        Some("audio/opus") => "audio/ogg",
        Some(mime) => mime,
        None if head.len() >= 12 && &head[4..8] == b"ftyp" => match &head[8..12] {
            b"M4A " | b"M4B " | b"M4P " | b"F4A " | b"F4B " => "audio/mp4",
            _ => "video/mp4",
        },
        None => OCTET_STREAM,
    }
}

/// The decoder for a type chatd makes thumbnails of.
fn decodable(mime: &str) -> Option<ImageFormat> {
    match mime {
        "image/jpeg" => Some(ImageFormat::Jpeg),
        "image/png" => Some(ImageFormat::Png),
        "image/gif" => Some(ImageFormat::Gif),
        "image/webp" => Some(ImageFormat::WebP),
        _ => None,
    }
}

#[cfg(test)]
thread_local! {
    /// How many images this thread began to decode (the tests check bombs never do).
    static DECODES: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

fn picture(file: File, format: ImageFormat, max_pixels: u64) -> Option<Picture> {
    let mut reader = ImageReader::new(BufReader::new(file));
    reader.set_format(format);
    let mut limits = Limits::default();
    limits.max_alloc = Some(
        max_pixels
            .saturating_mul(MAX_BYTES_PER_PIXEL)
            .saturating_add(ALLOC_HEADROOM)
            .min(ALLOC_CEILING),
    );
    reader.limits(limits.clone());
    // Reads the header only (a JPEG's bytes are read into memory, not decoded).
    let mut decoder = reader.into_decoder().ok()?;
    let (width, height) = decoder.dimensions();
    if width == 0 || height == 0 || u64::from(width) * u64::from(height) > max_pixels {
        return None;
    }
    // The second fence, as `ImageReader::decode` sets it: the picture's buffer counts
    // against `max_alloc` (`DynamicImage::from_decoder` does not check it), and the decoder
    // gets what is left for its own buffers.
    limits.reserve(decoder.total_bytes()).ok()?;
    decoder.set_limits(limits).ok()?;
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    #[cfg(test)]
    DECODES.with(|n| n.set(n.get() + 1));
    // For a GIF: the first frame.
    let image = DynamicImage::from_decoder(decoder).ok()?;
    let transparent = has_transparency(&image);
    let (tw, th) = fit(width, height, THUMBNAIL_MAX);
    let mut thumb = if (tw, th) == (width, height) {
        image
    } else {
        let thumb = image.thumbnail_exact(tw, th);
        drop(image);
        thumb
    };
    // Rotating the thumbnail rather than the original: the same picture, far less work.
    thumb.apply_orientation(orientation);
    let (thumbnail, thumbnail_mime) = encode(&thumb, transparent)?;
    let (width, height) = if swaps_sides(orientation) {
        (height, width)
    } else {
        (width, height)
    };
    Some(Picture {
        width,
        height,
        thumbnail,
        thumbnail_mime,
    })
}

/// Whether an orientation turns the picture by a quarter.
fn swaps_sides(orientation: Orientation) -> bool {
    matches!(
        orientation,
        Orientation::Rotate90
            | Orientation::Rotate270
            | Orientation::Rotate90FlipH
            | Orientation::Rotate270FlipH
    )
}

/// The size within `max`×`max` keeping the aspect ratio, never larger than the original, at
/// least 1 on each side.
fn fit(width: u32, height: u32, max: u32) -> (u32, u32) {
    if width <= max && height <= max {
        return (width, height);
    }
    let (long, short) = (width.max(height), width.min(height));
    let scaled = (u64::from(short) * u64::from(max) + u64::from(long) / 2) / u64::from(long);
    let scaled = u32::try_from(scaled).unwrap_or(max).clamp(1, max);
    if width >= height {
        (max, scaled)
    } else {
        (scaled, max)
    }
}

/// An alpha channel with any pixel not fully opaque.
fn has_transparency(image: &DynamicImage) -> bool {
    if !image.color().has_alpha() {
        return false;
    }
    match image {
        DynamicImage::ImageLumaA8(b) => b.as_raw().chunks_exact(2).any(|p| p[1] != u8::MAX),
        DynamicImage::ImageRgba8(b) => b.as_raw().chunks_exact(4).any(|p| p[3] != u8::MAX),
        DynamicImage::ImageLumaA16(b) => b.as_raw().chunks_exact(2).any(|p| p[1] != u16::MAX),
        DynamicImage::ImageRgba16(b) => b.as_raw().chunks_exact(4).any(|p| p[3] != u16::MAX),
        DynamicImage::ImageRgba32F(b) => b.as_raw().chunks_exact(4).any(|p| p[3] < 1.0),
        other => other
            .to_rgba8()
            .as_raw()
            .chunks_exact(4)
            .any(|p| p[3] != u8::MAX),
    }
}

/// The thumbnail's bytes and type: PNG with transparency, JPEG otherwise.
fn encode(thumb: &DynamicImage, transparent: bool) -> Option<(Vec<u8>, &'static str)> {
    use image::ImageEncoder;
    let mut out = Vec::new();
    if transparent {
        let rgba = thumb.to_rgba8();
        image::codecs::png::PngEncoder::new(&mut out)
            .write_image(
                rgba.as_raw(),
                rgba.width(),
                rgba.height(),
                image::ExtendedColorType::Rgba8,
            )
            .ok()?;
        Some((out, "image/png"))
    } else {
        let rgb = thumb.to_rgb8();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, THUMBNAIL_QUALITY)
            .encode_image(&rgb)
            .ok()?;
        Some((out, "image/jpeg"))
    }
}

mod strip;
mod walk;

pub use strip::strip_metadata;

#[cfg(test)]
mod tests;
