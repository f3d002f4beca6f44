//! Removing metadata from a stored original without re-encoding: the file is walked
//! (`walk`), the pieces to keep are written to a temporary file renamed over it.

use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use super::walk::*;

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
pub(super) fn unparseable(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::UnexpectedEof | io::ErrorKind::InvalidData
    )
}

pub(super) fn malformed() -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, "malformed image structure")
}

/// A part of the stripped file: a range of the original, or new bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Piece {
    Copy(u64, u64),
    Bytes(Vec<u8>),
}

impl Piece {
    pub(super) fn len(&self) -> u64 {
        match self {
            Piece::Copy(start, end) => end - start,
            Piece::Bytes(bytes) => bytes.len() as u64,
        }
    }
}

/// The original file, read forward with a known position and length.
pub(super) struct Input {
    pub(super) reader: BufReader<File>,
    pub(super) pos: u64,
    pub(super) len: u64,
}

impl Input {
    pub(super) fn open(path: &Path) -> io::Result<Input> {
        let file = File::open(path)?;
        let len = file.metadata()?.len();
        Ok(Input {
            reader: BufReader::with_capacity(64 * 1024, file),
            pos: 0,
            len,
        })
    }

    pub(super) fn remaining(&self) -> u64 {
        self.len.saturating_sub(self.pos)
    }

    pub(super) fn array<const N: usize>(&mut self) -> io::Result<[u8; N]> {
        let mut bytes = [0; N];
        self.reader.read_exact(&mut bytes)?;
        self.pos += N as u64;
        Ok(bytes)
    }

    /// `n` bytes, which must be within the file.
    pub(super) fn vec(&mut self, n: u64) -> io::Result<Vec<u8>> {
        if n > self.remaining() {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        let mut bytes = vec![0; usize::try_from(n).map_err(|_| malformed())?];
        self.reader.read_exact(&mut bytes)?;
        self.pos += n;
        Ok(bytes)
    }

    /// Skips `n` bytes, which must be within the file.
    pub(super) fn skip(&mut self, n: u64) -> io::Result<()> {
        if n > self.remaining() {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        self.reader
            .seek_relative(i64::try_from(n).map_err(|_| malformed())?)?;
        self.pos += n;
        Ok(())
    }

    pub(super) fn byte(&mut self) -> io::Result<Option<u8>> {
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
pub(super) fn rewrite(path: &Path, input: &mut Input, pieces: &[Piece]) -> io::Result<()> {
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
pub(super) fn minimal_tiff(orientation: u16) -> Vec<u8> {
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
pub(super) fn orientation_of(tiff: &[u8]) -> Option<u16> {
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

pub(super) const EXIF_PREFIX: &[u8] = b"Exif\0\0";
/// The largest EXIF block read for its orientation; a larger one is dropped unread.
pub(super) const EXIF_READ_MAX: u64 = 16 * 1024 * 1024;

/// An EXIF block's `n` bytes, or nothing (skipped) when it is larger than `EXIF_READ_MAX`.
pub(super) fn exif_data(input: &mut Input, n: u64) -> io::Result<Vec<u8>> {
    if n > EXIF_READ_MAX {
        input.skip(n)?;
        return Ok(Vec::new());
    }
    input.vec(n)
}

/// The EXIF found while walking: the original's orientation and where a minimal EXIF goes.
#[derive(Default)]
pub(super) struct ExifPlan {
    /// Seen an EXIF block (only the first one counts).
    pub(super) seen: bool,
    /// Its orientation, when not 1.
    pub(super) orientation: Option<u16>,
    /// The index in the pieces where the first EXIF was.
    pub(super) at: usize,
    /// The first EXIF already is the minimal one, and was kept.
    pub(super) kept: bool,
}

impl ExifPlan {
    /// Looks at an EXIF block (`tiff` without any `Exif\0\0` prefix) found at piece index
    /// `at`; true when it is to be kept as it is.
    pub(super) fn found(&mut self, tiff: &[u8], at: usize) -> bool {
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
    pub(super) fn insert(
        &self,
        pieces: &mut Vec<Piece>,
        wrap: impl Fn(Vec<u8>) -> Vec<u8>,
    ) -> bool {
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
