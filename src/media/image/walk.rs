//! The segment walks of JPEG, PNG, WebP and GIF: which byte ranges of a file to keep, and
//! what small pieces (a minimal EXIF) to put in place of the metadata dropped.

use std::io::{self, BufRead};

use super::strip::*;

/// Reads a JPEG marker: `0xFF`, any fill `0xFF`s, the code. Returns its start and code.
pub(super) fn jpeg_marker(input: &mut Input) -> io::Result<(u64, u8)> {
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
pub(super) fn jpeg_scan(input: &mut Input) -> io::Result<Option<(u64, u8)>> {
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
pub(super) fn walk_jpeg(input: &mut Input) -> io::Result<Option<Vec<Piece>>> {
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

pub(super) const PNG_SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];

/// The ancillary PNG chunks kept: they change what is shown.
pub(super) const PNG_KEPT: &[&[u8; 4]] = &[
    b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP", b"sBIT", b"cICP", b"mDCv", b"cLLi", b"bKGD",
    b"pHYs", b"sPLT", b"hIST", b"acTL", b"fcTL", b"fdAT",
];

/// The PNG without metadata, or `None` when there is nothing to remove.
pub(super) fn walk_png(input: &mut Input) -> io::Result<Option<Vec<Piece>>> {
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
pub(super) fn crc32(bytes: &[u8]) -> u32 {
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
pub(super) const WEBP_KEPT: &[&[u8; 4]] = &[
    b"VP8X", b"VP8 ", b"VP8L", b"ALPH", b"ANIM", b"ANMF", b"ICCP",
];
pub(super) const VP8X_XMP: u8 = 0x04;
pub(super) const VP8X_EXIF: u8 = 0x08;

/// The WebP without metadata, or `None` when there is nothing to remove.
pub(super) fn walk_webp(input: &mut Input) -> io::Result<Option<Vec<Piece>>> {
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
pub(super) fn gif_sub_blocks(input: &mut Input) -> io::Result<bool> {
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
pub(super) fn walk_gif(input: &mut Input) -> io::Result<Option<Vec<Piece>>> {
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
