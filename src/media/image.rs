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

use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

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

// ---------------------------------------------------------------------------------------
// Metadata

/// Removes EXIF and other metadata that can locate or identify (GPS, camera serials, XMP,
/// comments) from a stored JPEG/PNG/WebP original at `path`, in place (write a temp file in
/// the same folder and rename over), WITHOUT a visible change: a JPEG whose EXIF orientation
/// is not 1 keeps a minimal EXIF with only the Orientation tag (so it still shows upright;
/// no re-encoding, pixel data untouched). PNG and WebP are treated the same way; a GIF loses
/// its comments and application extensions (XMP) but keeps its loop count. Returns
/// whether the file changed. Files without metadata are left untouched (false), and so is
/// any other type (`mime`, as [`analyze`] reported it) and anything it cannot parse
/// (Ok(false)). A file truncated inside its image data is still stripped (the rest is kept
/// as it is). Errors are I/O errors only. Memory stays small whatever the file's size: the
/// file is walked, not read whole.
pub fn strip_metadata(path: &Path, mime: &str) -> io::Result<bool> {
    let walk: fn(&mut Input) -> io::Result<Option<Vec<Piece>>> = match mime {
        "image/jpeg" => walk_jpeg,
        "image/png" => walk_png,
        "image/webp" => walk_webp,
        "image/gif" => walk_gif,
        _ => return Ok(false),
    };
    let mut input = Input::open(path)?;
    let pieces = match catch_unwind(AssertUnwindSafe(|| walk(&mut input))) {
        Ok(Ok(Some(pieces))) => pieces,
        Ok(Ok(None)) | Err(_) => return Ok(false),
        Ok(Err(e)) if unparseable(&e) => return Ok(false),
        Ok(Err(e)) => return Err(e),
    };
    rewrite(path, &mut input, &pieces)?;
    Ok(true)
}

/// The errors that mean "not a file this walker understands".
fn unparseable(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::UnexpectedEof | io::ErrorKind::InvalidData
    )
}

fn malformed() -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, "malformed image structure")
}

/// A part of the stripped file: a range of the original, or new bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Copy(u64, u64),
    Bytes(Vec<u8>),
}

impl Piece {
    fn len(&self) -> u64 {
        match self {
            Piece::Copy(start, end) => end - start,
            Piece::Bytes(bytes) => bytes.len() as u64,
        }
    }
}

/// The original file, read forward with a known position and length.
struct Input {
    reader: BufReader<File>,
    pos: u64,
    len: u64,
}

impl Input {
    fn open(path: &Path) -> io::Result<Input> {
        let file = File::open(path)?;
        let len = file.metadata()?.len();
        Ok(Input {
            reader: BufReader::with_capacity(64 * 1024, file),
            pos: 0,
            len,
        })
    }

    fn remaining(&self) -> u64 {
        self.len.saturating_sub(self.pos)
    }

    fn array<const N: usize>(&mut self) -> io::Result<[u8; N]> {
        let mut bytes = [0; N];
        self.reader.read_exact(&mut bytes)?;
        self.pos += N as u64;
        Ok(bytes)
    }

    /// `n` bytes, which must be within the file.
    fn vec(&mut self, n: u64) -> io::Result<Vec<u8>> {
        if n > self.remaining() {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        let mut bytes = vec![0; usize::try_from(n).map_err(|_| malformed())?];
        self.reader.read_exact(&mut bytes)?;
        self.pos += n;
        Ok(bytes)
    }

    /// Skips `n` bytes, which must be within the file.
    fn skip(&mut self, n: u64) -> io::Result<()> {
        if n > self.remaining() {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        self.reader
            .seek_relative(i64::try_from(n).map_err(|_| malformed())?)?;
        self.pos += n;
        Ok(())
    }

    fn byte(&mut self) -> io::Result<Option<u8>> {
        let buf = self.reader.fill_buf()?;
        let Some(&b) = buf.first() else {
            return Ok(None);
        };
        self.reader.consume(1);
        self.pos += 1;
        Ok(Some(b))
    }
}

/// Writes `pieces` to a temporary file beside `path` and renames it over `path`.
fn rewrite(path: &Path, input: &mut Input, pieces: &[Piece]) -> io::Result<()> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp: PathBuf = path.with_file_name(format!(
        ".{name}.strip-{}-{}.tmp",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let result = (|| {
        let file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        let mut out = BufWriter::with_capacity(64 * 1024, file);
        let source = input.reader.get_mut();
        for piece in pieces {
            match piece {
                Piece::Copy(start, end) => {
                    source.seek(SeekFrom::Start(*start))?;
                    let copied = io::copy(&mut (&mut *source).take(end - start), &mut out)?;
                    if copied != end - start {
                        // The file shrank under us: leave it.
                        return Err(io::Error::new(
                            io::ErrorKind::UnexpectedEof,
                            "the file changed while it was stripped",
                        ));
                    }
                }
                Piece::Bytes(bytes) => out.write_all(bytes)?,
            }
        }
        let file = out.into_inner().map_err(io::IntoInnerError::into_error)?;
        file.sync_all()?;
        if let Ok(meta) = fs::metadata(path) {
            fs::set_permissions(&tmp, meta.permissions())?;
        }
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// The minimal EXIF: a big-endian TIFF header and one IFD with only the Orientation.
fn minimal_tiff(orientation: u16) -> Vec<u8> {
    let mut tiff = Vec::with_capacity(26);
    tiff.extend_from_slice(b"MM\0\x2a\0\0\0\x08"); // big-endian, IFD0 at offset 8
    tiff.extend_from_slice(&1u16.to_be_bytes()); // one entry
    tiff.extend_from_slice(&0x0112u16.to_be_bytes()); // Orientation
    tiff.extend_from_slice(&3u16.to_be_bytes()); // SHORT
    tiff.extend_from_slice(&1u32.to_be_bytes()); // one value
    tiff.extend_from_slice(&orientation.to_be_bytes());
    tiff.extend_from_slice(&[0, 0]); // the value's padding
    tiff.extend_from_slice(&0u32.to_be_bytes()); // no next IFD
    tiff
}

/// The Orientation (2–8) of a TIFF-structured EXIF block; `None` for 1, none, or unreadable.
fn orientation_of(tiff: &[u8]) -> Option<u16> {
    let value = catch_unwind(|| {
        let exif = exif::Reader::new().read_raw(tiff.to_vec()).ok()?;
        exif.get_field(exif::Tag::Orientation, exif::In::PRIMARY)?
            .value
            .get_uint(0)
    })
    .ok()??;
    (2..=8)
        .contains(&value)
        .then(|| u16::try_from(value).ok())
        .flatten()
}

const EXIF_PREFIX: &[u8] = b"Exif\0\0";
/// The largest EXIF block read for its orientation; a larger one is dropped unread.
const EXIF_READ_MAX: u64 = 16 * 1024 * 1024;

/// An EXIF block's `n` bytes, or nothing (skipped) when it is larger than `EXIF_READ_MAX`.
fn exif_data(input: &mut Input, n: u64) -> io::Result<Vec<u8>> {
    if n > EXIF_READ_MAX {
        input.skip(n)?;
        return Ok(Vec::new());
    }
    input.vec(n)
}

/// The EXIF found while walking: the original's orientation and where a minimal EXIF goes.
#[derive(Default)]
struct ExifPlan {
    /// Seen an EXIF block (only the first one counts).
    seen: bool,
    /// Its orientation, when not 1.
    orientation: Option<u16>,
    /// The index in the pieces where the first EXIF was.
    at: usize,
    /// The first EXIF already is the minimal one, and was kept.
    kept: bool,
}

impl ExifPlan {
    /// Looks at an EXIF block (`tiff` without any `Exif\0\0` prefix) found at piece index
    /// `at`; true when it is to be kept as it is.
    fn found(&mut self, tiff: &[u8], at: usize) -> bool {
        if self.seen {
            return false;
        }
        self.seen = true;
        self.at = at;
        self.orientation = orientation_of(tiff);
        self.kept = self
            .orientation
            .is_some_and(|o| minimal_tiff(o).as_slice() == tiff);
        self.kept
    }

    /// The minimal EXIF to insert (as `wrap` formats it), unless one was kept.
    fn insert(&self, pieces: &mut Vec<Piece>, wrap: impl Fn(Vec<u8>) -> Vec<u8>) -> bool {
        match self.orientation {
            Some(o) if !self.kept => {
                pieces.insert(
                    self.at.min(pieces.len()),
                    Piece::Bytes(wrap(minimal_tiff(o))),
                );
                true
            }
            _ => false,
        }
    }
}

/// Reads a JPEG marker: `0xFF`, any fill `0xFF`s, the code. Returns its start and code.
fn jpeg_marker(input: &mut Input) -> io::Result<(u64, u8)> {
    let start = input.pos;
    if input.byte()? != Some(0xFF) {
        return Err(malformed());
    }
    loop {
        match input.byte()? {
            Some(0xFF) => continue,
            Some(code) => return Ok((start, code)),
            None => return Err(io::ErrorKind::UnexpectedEof.into()),
        }
    }
}

/// Scans entropy-coded data for the next marker that is not a restart marker or a stuffed
/// byte. Returns its start and code, or `None` at the end of the file (a truncated scan).
fn jpeg_scan(input: &mut Input) -> io::Result<Option<(u64, u8)>> {
    loop {
        let buf = input.reader.fill_buf()?;
        if buf.is_empty() {
            return Ok(None);
        }
        let Some(i) = buf.iter().position(|&b| b == 0xFF) else {
            let n = buf.len();
            input.reader.consume(n);
            input.pos += n as u64;
            continue;
        };
        input.reader.consume(i + 1);
        input.pos += i as u64 + 1;
        loop {
            match input.byte()? {
                None => return Ok(None),
                Some(0xFF) => continue,
                Some(0x00 | 0xD0..=0xD7) => break,
                Some(code) => return Ok(Some((input.pos - 2, code))),
            }
        }
    }
}

/// The JPEG without metadata, or `None` when there is nothing to remove.
fn walk_jpeg(input: &mut Input) -> io::Result<Option<Vec<Piece>>> {
    if input.array::<2>()? != [0xFF, 0xD8] {
        return Err(malformed());
    }
    let mut pieces = vec![Piece::Copy(0, 2)];
    let mut changed = false;
    let mut exif = ExifPlan::default();
    let mut pending = None;
    loop {
        let (start, code) = match pending.take() {
            Some(marker) => marker,
            None => jpeg_marker(input)?,
        };
        match code {
            0xD9 => {
                // End of image: whatever follows is not this picture.
                pieces.push(Piece::Copy(start, input.pos));
                changed |= input.remaining() > 0;
                break;
            }
            0x01 | 0xD0..=0xD7 => pieces.push(Piece::Copy(start, input.pos)),
            0x00 | 0xD8 => return Err(malformed()),
            _ => {
                let length = u16::from_be_bytes(input.array()?);
                let body = u64::from(length).checked_sub(2).ok_or_else(malformed)?;
                if body > input.remaining() {
                    return Err(io::ErrorKind::UnexpectedEof.into());
                }
                let end = input.pos + body;
                let keep = match code {
                    0xE0..=0xEF | 0xFE => {
                        let head = input.vec(body.min(16))?;
                        let keep = match code {
                            0xE0 => head.starts_with(b"JFIF\0") && length == 16,
                            0xE1 if head.starts_with(EXIF_PREFIX) => {
                                let rest = input.vec(end - input.pos)?;
                                let tiff = [&head[EXIF_PREFIX.len()..], &rest[..]].concat();
                                exif.found(&tiff, pieces.len())
                            }
                            0xE2 => head.starts_with(b"ICC_PROFILE\0"),
                            0xEE => head.starts_with(b"Adobe"),
                            _ => false,
                        };
                        input.skip(end - input.pos)?;
                        keep
                    }
                    _ => {
                        input.skip(body)?;
                        true
                    }
                };
                if keep {
                    pieces.push(Piece::Copy(start, end));
                } else {
                    changed = true;
                }
                if code == 0xDA {
                    // Start of scan: entropy-coded data up to the next real marker.
                    match jpeg_scan(input)? {
                        Some((next, code)) => {
                            pieces.push(Piece::Copy(end, next));
                            pending = Some((next, code));
                        }
                        None => {
                            pieces.push(Piece::Copy(end, input.len));
                            break;
                        }
                    }
                }
            }
        }
    }
    changed |= exif.insert(&mut pieces, |tiff| {
        let mut segment = vec![0xFF, 0xE1];
        let length = (2 + EXIF_PREFIX.len() + tiff.len()) as u16;
        segment.extend_from_slice(&length.to_be_bytes());
        segment.extend_from_slice(EXIF_PREFIX);
        segment.extend_from_slice(&tiff);
        segment
    });
    Ok(changed.then_some(pieces))
}

const PNG_SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];

/// The ancillary PNG chunks kept: they change what is shown.
const PNG_KEPT: &[&[u8; 4]] = &[
    b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP", b"sBIT", b"cICP", b"mDCv", b"cLLi", b"bKGD",
    b"pHYs", b"sPLT", b"hIST", b"acTL", b"fcTL", b"fdAT",
];

/// The PNG without metadata, or `None` when there is nothing to remove.
fn walk_png(input: &mut Input) -> io::Result<Option<Vec<Piece>>> {
    if input.array::<8>()? != PNG_SIGNATURE {
        return Err(malformed());
    }
    let mut pieces = vec![Piece::Copy(0, 8)];
    let mut changed = false;
    let mut exif = ExifPlan::default();
    while input.remaining() > 0 {
        let start = input.pos;
        if input.remaining() < 12 {
            pieces.push(Piece::Copy(start, input.len));
            break;
        }
        let length = u64::from(u32::from_be_bytes(input.array()?));
        let kind: [u8; 4] = input.array()?;
        if length > 0x7FFF_FFFF {
            return Err(malformed());
        }
        // Critical chunks (an upper-case first letter) are the picture.
        let kept_kind = kind[0].is_ascii_uppercase() || PNG_KEPT.contains(&&kind);
        if length + 4 > input.remaining() {
            // Truncated: kept as it is if it is picture, else dropped.
            if kept_kind {
                pieces.push(Piece::Copy(start, input.len));
            } else {
                changed = true;
            }
            break;
        }
        let end = input.pos + length + 4;
        let keep = match &kind {
            b"eXIf" => {
                let data = exif_data(input, length)?;
                exif.found(&data, pieces.len())
            }
            _ => kept_kind,
        };
        input.skip(end - input.pos)?;
        if keep {
            pieces.push(Piece::Copy(start, end));
        } else {
            changed = true;
        }
        if &kind == b"IEND" {
            changed |= input.remaining() > 0;
            break;
        }
    }
    changed |= exif.insert(&mut pieces, |tiff| png_chunk(b"eXIf", &tiff));
    Ok(changed.then_some(pieces))
}

/// A PNG chunk: length, type, data, CRC.
pub(crate) fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut chunk = Vec::with_capacity(data.len() + 12);
    chunk.extend_from_slice(&(data.len() as u32).to_be_bytes());
    chunk.extend_from_slice(kind);
    chunk.extend_from_slice(data);
    let crc = crc32(&chunk[4..]);
    chunk.extend_from_slice(&crc.to_be_bytes());
    chunk
}

/// CRC-32 (ISO 3309, as PNG uses it).
fn crc32(bytes: &[u8]) -> u32 {
    const TABLE: [u32; 256] = {
        let mut table = [0u32; 256];
        let mut n = 0;
        while n < 256 {
            let mut c = n as u32;
            let mut k = 0;
            while k < 8 {
                c = if c & 1 == 1 {
                    0xEDB8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
                k += 1;
            }
            table[n] = c;
            n += 1;
        }
        table
    };
    !bytes.iter().fold(!0u32, |c, &b| {
        TABLE[((c ^ u32::from(b)) & 0xFF) as usize] ^ (c >> 8)
    })
}

/// The WebP chunks kept.
const WEBP_KEPT: &[&[u8; 4]] = &[
    b"VP8X", b"VP8 ", b"VP8L", b"ALPH", b"ANIM", b"ANMF", b"ICCP",
];
const VP8X_XMP: u8 = 0x04;
const VP8X_EXIF: u8 = 0x08;

/// The WebP without metadata, or `None` when there is nothing to remove.
fn walk_webp(input: &mut Input) -> io::Result<Option<Vec<Piece>>> {
    let header: [u8; 12] = input.array()?;
    let declared = u32::from_le_bytes([header[4], header[5], header[6], header[7]]);
    if &header[0..4] != b"RIFF" || &header[8..12] != b"WEBP" || declared < 4 {
        return Err(malformed());
    }
    let riff_end = (u64::from(declared) + 8).min(input.len);
    let mut pieces = vec![Piece::Bytes(Vec::new())]; // the header, written at the end
    let mut changed = false;
    let mut exif = ExifPlan::default();
    // The VP8X chunk: its index in the pieces, its size and its data (flags first).
    let mut vp8x: Option<(usize, u32, Vec<u8>)> = None;
    // The first EXIF chunk began with `Exif\0\0` (some writers add it; the specification
    // says TIFF): the minimal one keeps that form, so that readers see it as they did.
    let mut prefixed = false;
    while input.pos < riff_end {
        let start = input.pos;
        if riff_end - start < 8 {
            pieces.push(Piece::Copy(start, riff_end));
            input.skip(riff_end - start)?;
            break;
        }
        let kind: [u8; 4] = input.array()?;
        let size = u64::from(u32::from_le_bytes(input.array()?));
        let padded = size + (size & 1);
        if padded > riff_end - input.pos {
            // Truncated: kept as it is if it is picture, else dropped.
            if WEBP_KEPT.contains(&&kind) {
                pieces.push(Piece::Copy(start, riff_end));
            } else {
                changed = true;
            }
            input.skip(riff_end - input.pos)?;
            break;
        }
        let end = input.pos + padded;
        let keep = match &kind {
            b"VP8X" if start == 12 && size >= 10 => {
                let data = input.vec(padded)?;
                vp8x = Some((pieces.len(), size as u32, data));
                pieces.push(Piece::Bytes(Vec::new())); // written at the end
                continue;
            }
            b"EXIF" => {
                let data = exif_data(input, size)?;
                let tiff = data.strip_prefix(EXIF_PREFIX).unwrap_or(&data);
                if !exif.seen {
                    prefixed = tiff.len() < data.len();
                }
                // Only an extended (VP8X) file shows an orientation.
                exif.found(tiff, pieces.len()) && vp8x.is_some()
            }
            k => WEBP_KEPT.contains(&k),
        };
        input.skip(end - input.pos)?;
        if keep {
            pieces.push(Piece::Copy(start, end));
        } else {
            changed = true;
        }
    }
    changed |= input.len > riff_end;
    if vp8x.is_none() {
        // A simple WebP shows no EXIF orientation: none is kept.
        exif.orientation = None;
    }
    let has_exif = exif.orientation.is_some();
    changed |= exif.insert(&mut pieces, |tiff| {
        // The original's form: TIFF as the specification says, or behind `Exif\0\0`.
        let data = if prefixed {
            [EXIF_PREFIX, &tiff].concat()
        } else {
            tiff
        };
        let mut chunk = b"EXIF".to_vec();
        chunk.extend_from_slice(&(data.len() as u32).to_le_bytes());
        chunk.extend_from_slice(&data); // 26 or 32 bytes: even, no padding
        chunk
    });
    if let Some((at, size, mut data)) = vp8x {
        let old = data[0];
        data[0] = (old & !(VP8X_XMP | VP8X_EXIF)) | if has_exif { VP8X_EXIF } else { 0 };
        changed |= data[0] != old;
        let mut chunk = b"VP8X".to_vec();
        chunk.extend_from_slice(&size.to_le_bytes());
        chunk.extend_from_slice(&data);
        pieces[at] = Piece::Bytes(chunk);
    }
    if !changed {
        return Ok(None);
    }
    let body: u64 = pieces.iter().skip(1).map(Piece::len).sum();
    let size = u32::try_from(body + 4).map_err(|_| malformed())?;
    let mut riff = b"RIFF".to_vec();
    riff.extend_from_slice(&size.to_le_bytes());
    riff.extend_from_slice(b"WEBP");
    pieces[0] = Piece::Bytes(riff);
    Ok(Some(pieces))
}

/// Skips GIF data sub-blocks up to their terminator; false when the file ends first.
fn gif_sub_blocks(input: &mut Input) -> io::Result<bool> {
    loop {
        match input.byte()? {
            None => return Ok(false),
            Some(0) => return Ok(true),
            Some(n) => {
                if u64::from(n) > input.remaining() {
                    return Ok(false);
                }
                input.skip(u64::from(n))?;
            }
        }
    }
}

/// The GIF without comments and application extensions other than the loop count, or
/// `None` when there is nothing to remove.
fn walk_gif(input: &mut Input) -> io::Result<Option<Vec<Piece>>> {
    let header: [u8; 13] = input.array()?;
    if &header[..6] != b"GIF87a" && &header[..6] != b"GIF89a" {
        return Err(malformed());
    }
    if header[10] & 0x80 != 0 {
        input.skip(3 << ((header[10] & 0x07) + 1))?;
    }
    let mut pieces = vec![Piece::Copy(0, input.pos)];
    let mut changed = false;
    loop {
        let start = input.pos;
        let (keep, complete) = match input.byte()? {
            None => break,
            Some(0x3B) => {
                pieces.push(Piece::Copy(start, input.pos));
                changed |= input.remaining() > 0;
                break;
            }
            Some(0x2C) => {
                let descriptor: [u8; 9] = input.array()?;
                if descriptor[8] & 0x80 != 0 {
                    let table = 3u64 << ((descriptor[8] & 0x07) + 1);
                    input.skip(table.min(input.remaining()))?;
                }
                let _lzw_minimum_code_size = input.byte()?;
                (true, gif_sub_blocks(input)?)
            }
            Some(0x21) => {
                let label = input.byte()?.ok_or(io::ErrorKind::UnexpectedEof)?;
                let keep = match label {
                    // Graphic control (delays, transparency), plain text: shown.
                    0xF9 | 0x01 => true,
                    // Application: only the loop count is shown.
                    0xFF => {
                        let size = input.byte()?.ok_or(io::ErrorKind::UnexpectedEof)?;
                        let id = input.vec(u64::from(size))?;
                        id == b"NETSCAPE2.0" || id == b"ANIMEXTS1.0"
                    }
                    // Comments, and extensions no decoder shows.
                    _ => false,
                };
                (keep, gif_sub_blocks(input)?)
            }
            Some(_) => return Err(malformed()),
        };
        if keep {
            pieces.push(Piece::Copy(start, input.pos));
        } else {
            changed = true;
        }
        if !complete {
            // Truncated: what was picture is kept as it is.
            break;
        }
    }
    Ok(changed.then_some(pieces))
}

#[cfg(test)]
#[path = "image_tests.rs"]
mod tests;
