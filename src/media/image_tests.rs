//! Tests of `media::image` on real files made here with the `image` crate and hand-built
//! EXIF, XMP, comments and chunks, in a temporary folder.

use std::io::{BufReader, Cursor, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use image::{GenericImageView, ImageEncoder, Rgb, RgbImage, Rgba, RgbaImage};
use proptest::prelude::*;

use super::*;

const MAX_PIXELS: u64 = 50_000_000;

const RED: [u8; 3] = [255, 0, 0];
const GREEN: [u8; 3] = [0, 255, 0];
const BLUE: [u8; 3] = [0, 0, 255];
const WHITE: [u8; 3] = [255, 255, 255];

/// The GPS latitude's seconds as written: 27.1828″ (and the longitude's 31.4159″), easy to
/// find in raw bytes as a big-endian RATIONAL.
const LAT_SECONDS: (u32, u32) = (271_828, 10_000);
const LON_SECONDS: (u32, u32) = (314_159, 10_000);
const SERIAL: &str = "SN-4711-0815";
const XMP: &str = "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF><rdf:Description \
                   photoshop:City=\"Hangzhou-secret\"/></rdf:RDF></x:xmpmeta>";
const COMMENT: &str = "taken at grandma's house";

fn rational_bytes((n, d): (u32, u32)) -> Vec<u8> {
    [n.to_be_bytes(), d.to_be_bytes()].concat()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn decodes() -> u32 {
    DECODES.with(std::cell::Cell::get)
}

/// An RGB picture of four coloured quadrants: top-left red, top-right green, bottom-left
/// blue, bottom-right white (built row by row: fast in a debug build).
fn quadrants(width: u32, height: u32) -> RgbImage {
    let row = |left: [u8; 3], right: [u8; 3]| -> Vec<u8> {
        let half = (width / 2) as usize;
        let mut row = left.repeat(half);
        row.extend(right.repeat(width as usize - half));
        row
    };
    let (top, bottom) = (row(RED, GREEN), row(BLUE, WHITE));
    let mut raw = Vec::with_capacity((width * height * 3) as usize);
    for y in 0..height {
        raw.extend_from_slice(if y < height / 2 { &top } else { &bottom });
    }
    RgbImage::from_raw(width, height, raw).unwrap()
}

fn jpeg_bytes(image: &RgbImage) -> Vec<u8> {
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
        .encode_image(image)
        .unwrap();
    out
}

fn png_bytes(raw: &[u8], width: u32, height: u32, color: image::ExtendedColorType) -> Vec<u8> {
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new(&mut out)
        .write_image(raw, width, height, color)
        .unwrap();
    out
}

fn webp_bytes(image: &RgbaImage) -> Vec<u8> {
    let mut out = Vec::new();
    image::codecs::webp::WebPEncoder::new_lossless(&mut out)
        .encode(
            image.as_raw(),
            image.width(),
            image.height(),
            image::ExtendedColorType::Rgba8,
        )
        .unwrap();
    out
}

/// A JPEG segment: marker, length, body.
fn segment(code: u8, body: &[u8]) -> Vec<u8> {
    let mut s = vec![0xFF, code];
    s.extend_from_slice(&((body.len() + 2) as u16).to_be_bytes());
    s.extend_from_slice(body);
    s
}

/// `jpeg` with `segments` inserted after SOI and the JFIF APP0 (where cameras put them).
fn with_segments(jpeg: &[u8], segments: &[Vec<u8>]) -> Vec<u8> {
    assert_eq!(&jpeg[..2], [0xFF, 0xD8]);
    let mut at = 2;
    if jpeg[2..4] == [0xFF, 0xE0] {
        at += 2 + usize::from(u16::from_be_bytes([jpeg[4], jpeg[5]]));
    }
    let mut out = jpeg[..at].to_vec();
    for s in segments {
        out.extend_from_slice(s);
    }
    out.extend_from_slice(&jpeg[at..]);
    out
}

/// A camera's EXIF (TIFF, big- or little-endian): orientation, make, body serial number,
/// and a GPS IFD with latitude and longitude.
fn camera_exif(orientation: u16, little_endian: bool) -> Vec<u8> {
    use exif::{Field, In, Rational, Tag, Value};
    let r = |(num, denom): (u32, u32)| Rational { num, denom };
    let fields = [
        Field {
            tag: Tag::Orientation,
            ifd_num: In::PRIMARY,
            value: Value::Short(vec![orientation]),
        },
        Field {
            tag: Tag::Make,
            ifd_num: In::PRIMARY,
            value: Value::Ascii(vec![b"Canon".to_vec()]),
        },
        Field {
            tag: Tag::BodySerialNumber,
            ifd_num: In::PRIMARY,
            value: Value::Ascii(vec![SERIAL.as_bytes().to_vec()]),
        },
        Field {
            tag: Tag::GPSLatitudeRef,
            ifd_num: In::PRIMARY,
            value: Value::Ascii(vec![b"N".to_vec()]),
        },
        Field {
            tag: Tag::GPSLatitude,
            ifd_num: In::PRIMARY,
            value: Value::Rational(vec![r((30, 1)), r((15, 1)), r(LAT_SECONDS)]),
        },
        Field {
            tag: Tag::GPSLongitudeRef,
            ifd_num: In::PRIMARY,
            value: Value::Ascii(vec![b"E".to_vec()]),
        },
        Field {
            tag: Tag::GPSLongitude,
            ifd_num: In::PRIMARY,
            value: Value::Rational(vec![r((120, 1)), r((10, 1)), r(LON_SECONDS)]),
        },
    ];
    let mut writer = exif::experimental::Writer::new();
    for field in &fields {
        writer.push_field(field);
    }
    let mut out = Cursor::new(Vec::new());
    writer.write(&mut out, little_endian).unwrap();
    out.into_inner()
}

/// The camera's metadata as JPEG segments: EXIF, XMP, an ICC profile (kept), a comment.
fn camera_segments(orientation: u16) -> Vec<Vec<u8>> {
    vec![
        segment(
            0xE1,
            &[b"Exif\0\0".as_slice(), &camera_exif(orientation, false)].concat(),
        ),
        segment(
            0xE1,
            &[b"http://ns.adobe.com/xap/1.0/\0".as_slice(), XMP.as_bytes()].concat(),
        ),
        segment(0xE2, b"ICC_PROFILE\0\x01\x01fake-profile-bytes"),
        segment(0xED, b"Photoshop 3.0\08BIM\x04\x04IPTC-city-Hangzhou"),
        segment(0xFE, COMMENT.as_bytes()),
    ]
}

/// No trace of the camera's metadata in `bytes`.
fn assert_no_camera_metadata(bytes: &[u8]) {
    assert!(
        !contains(bytes, &rational_bytes(LAT_SECONDS)),
        "GPS latitude left"
    );
    assert!(
        !contains(bytes, &rational_bytes(LON_SECONDS)),
        "GPS longitude left"
    );
    assert!(
        !contains(bytes, &LAT_SECONDS.0.to_le_bytes()),
        "GPS latitude left"
    );
    assert!(!contains(bytes, SERIAL.as_bytes()), "serial number left");
    assert!(!contains(bytes, b"Canon"), "make left");
    assert!(!contains(bytes, b"Hangzhou"), "XMP/IPTC left");
    assert!(!contains(bytes, COMMENT.as_bytes()), "comment left");
}

/// The EXIF fields of a file, as kamadak-exif reads them from its container.
fn exif_fields(path: &Path) -> Option<Vec<(exif::Tag, exif::In, u32)>> {
    let mut reader = BufReader::new(File::open(path).unwrap());
    let exif = exif::Reader::new().read_from_container(&mut reader).ok()?;
    Some(
        exif.fields()
            .map(|f| (f.tag, f.ifd_num, f.value.get_uint(0).unwrap_or(u32::MAX)))
            .collect(),
    )
}

fn decode(bytes: &[u8]) -> image::DynamicImage {
    image::load_from_memory(bytes).expect("decodes")
}

/// Roughly this colour (JPEG is lossy).
fn near(pixel: Rgba<u8>, rgb: [u8; 3]) -> bool {
    pixel.0[..3]
        .iter()
        .zip(rgb)
        .all(|(&a, b)| a.abs_diff(b) < 40)
}

// ---------------------------------------------------------------------------------------
// analyze

#[test]
fn a_rotated_camera_photo_is_measured_and_thumbnailed_upright_and_stripped_of_gps() {
    let dir = tempfile::tempdir().unwrap();
    let stored = quadrants(4000, 3000);
    let original = with_segments(&jpeg_bytes(&stored), &camera_segments(6));
    let path = write(dir.path(), "photo", &original);

    let before = decodes();
    let analyzed = analyze(&path, MAX_PIXELS).unwrap();
    assert_eq!(decodes(), before + 1);
    assert_eq!(analyzed.mime, "image/jpeg");
    let picture = analyzed.image.expect("a picture");
    assert_eq!(
        (picture.width, picture.height),
        (3000, 4000),
        "sides swapped"
    );
    assert_eq!(picture.thumbnail_mime, "image/jpeg");
    assert_eq!(&picture.thumbnail[..2], [0xFF, 0xD8]);
    let thumb = decode(&picture.thumbnail);
    assert_eq!(thumb.dimensions(), (300, 400), "portrait");
    // Orientation 6 turns the stored picture a quarter clockwise: the stored top-left
    // (red) is shown top-right, stored bottom-left (blue) top-left, and so on.
    assert!(
        near(thumb.get_pixel(225, 100), RED),
        "{:?}",
        thumb.get_pixel(225, 100)
    );
    assert!(near(thumb.get_pixel(75, 100), BLUE));
    assert!(near(thumb.get_pixel(225, 300), GREEN));
    assert!(near(thumb.get_pixel(75, 300), WHITE));
    // The thumbnail carries no metadata at all.
    assert_no_camera_metadata(&picture.thumbnail);
    assert!(!contains(&picture.thumbnail, b"Exif\0\0"));

    assert!(strip_metadata(&path, "image/jpeg").unwrap());
    let stripped = std::fs::read(&path).unwrap();
    assert_no_camera_metadata(&stripped);
    assert!(
        contains(&stripped, b"ICC_PROFILE\0\x01\x01fake-profile-bytes"),
        "colour kept"
    );
    assert_eq!(
        exif_fields(&path).expect("a minimal EXIF"),
        vec![(exif::Tag::Orientation, exif::In::PRIMARY, 6)],
        "only the orientation is left"
    );
    assert_eq!(
        decode(&stripped).as_bytes(),
        decode(&original).as_bytes(),
        "the same pixels"
    );
    // Still shown upright, and stripping again changes nothing.
    let again = analyze(&path, MAX_PIXELS).unwrap().image.unwrap();
    assert_eq!((again.width, again.height), (3000, 4000));
    assert_eq!(again.thumbnail, picture.thumbnail);
    assert!(!strip_metadata(&path, "image/jpeg").unwrap());
    assert_eq!(std::fs::read(&path).unwrap(), stripped);
    // No temporary file is left beside it.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn every_orientation_is_applied_to_the_thumbnail() {
    // Stored 40×20: red top-left. Where red is shown after each orientation (x, y in a
    // 2×2 grid of the displayed picture), and whether the sides swap.
    let cases: [(u16, (u32, u32), bool); 8] = [
        (1, (0, 0), false),
        (2, (1, 0), false),
        (3, (1, 1), false),
        (4, (0, 1), false),
        (5, (0, 0), true),
        (6, (1, 0), true),
        (7, (1, 1), true),
        (8, (0, 1), true),
    ];
    let dir = tempfile::tempdir().unwrap();
    let jpeg = jpeg_bytes(&quadrants(40, 20));
    for (orientation, (qx, qy), swapped) in cases {
        let bytes = with_segments(&jpeg, &camera_segments(orientation));
        let path = write(dir.path(), &format!("o{orientation}"), &bytes);
        let picture = analyze(&path, MAX_PIXELS).unwrap().image.unwrap();
        let (w, h) = if swapped { (20, 40) } else { (40, 20) };
        assert_eq!(
            (picture.width, picture.height),
            (w, h),
            "orientation {orientation}"
        );
        let thumb = decode(&picture.thumbnail);
        assert_eq!(thumb.dimensions(), (w, h));
        let pixel = thumb.get_pixel(qx * w / 2 + w / 4, qy * h / 2 + h / 4);
        assert!(near(pixel, RED), "orientation {orientation}: {pixel:?}");
    }
}

#[test]
fn a_png_with_transparency_gets_a_png_thumbnail_with_alpha() {
    let dir = tempfile::tempdir().unwrap();
    let mut image = RgbaImage::from_pixel(800, 600, Rgba([10, 200, 30, 255]));
    for x in 0..400 {
        for y in 0..600 {
            image.put_pixel(x, y, Rgba([0, 0, 0, 0]));
        }
    }
    let path = write(
        dir.path(),
        "t.png",
        &png_bytes(image.as_raw(), 800, 600, image::ExtendedColorType::Rgba8),
    );
    let analyzed = analyze(&path, MAX_PIXELS).unwrap();
    assert_eq!(analyzed.mime, "image/png");
    let picture = analyzed.image.unwrap();
    assert_eq!((picture.width, picture.height), (800, 600));
    assert_eq!(picture.thumbnail_mime, "image/png");
    let thumb = decode(&picture.thumbnail);
    assert!(thumb.color().has_alpha());
    assert_eq!(thumb.dimensions(), (400, 300));
    assert_eq!(thumb.get_pixel(100, 150).0[3], 0, "transparent half");
    assert_eq!(thumb.get_pixel(300, 150), Rgba([10, 200, 30, 255]));
}

#[test]
fn an_opaque_png_gets_a_jpeg_thumbnail() {
    let dir = tempfile::tempdir().unwrap();
    // An alpha channel, every pixel opaque.
    let rgba = RgbaImage::from_pixel(500, 500, Rgba([200, 100, 50, 255]));
    let path = write(
        dir.path(),
        "rgba.png",
        &png_bytes(rgba.as_raw(), 500, 500, image::ExtendedColorType::Rgba8),
    );
    let picture = analyze(&path, MAX_PIXELS).unwrap().image.unwrap();
    assert_eq!(picture.thumbnail_mime, "image/jpeg");
    assert_eq!(decode(&picture.thumbnail).dimensions(), (400, 400));
    // No alpha channel at all; 16 bits per channel.
    let raw: Vec<u8> = std::iter::repeat_n([0x12, 0x34], 30 * 20 * 3)
        .flatten()
        .collect();
    let path = write(
        dir.path(),
        "rgb16.png",
        &png_bytes(&raw, 30, 20, image::ExtendedColorType::Rgb16),
    );
    let picture = analyze(&path, MAX_PIXELS).unwrap().image.unwrap();
    assert_eq!(picture.thumbnail_mime, "image/jpeg");
    assert_eq!(decode(&picture.thumbnail).dimensions(), (30, 20));
}

#[test]
fn an_animated_gif_is_thumbnailed_from_its_first_frame() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = Vec::new();
    {
        let mut encoder = image::codecs::gif::GifEncoder::new(&mut bytes);
        encoder
            .set_repeat(image::codecs::gif::Repeat::Infinite)
            .unwrap();
        let frames = [[255, 0, 0, 255], [0, 0, 255, 255], [0, 255, 0, 255]]
            .map(|c| image::Frame::new(RgbaImage::from_pixel(120, 90, Rgba(c))));
        encoder.encode_frames(frames).unwrap();
    }
    let path = write(dir.path(), "a.gif", &bytes);
    let analyzed = analyze(&path, MAX_PIXELS).unwrap();
    assert_eq!(analyzed.mime, "image/gif");
    let picture = analyzed.image.unwrap();
    assert_eq!((picture.width, picture.height), (120, 90));
    assert_eq!(picture.thumbnail_mime, "image/jpeg");
    let thumb = decode(&picture.thumbnail);
    assert_eq!(thumb.dimensions(), (120, 90));
    assert!(
        near(thumb.get_pixel(60, 45), RED),
        "{:?}",
        thumb.get_pixel(60, 45)
    );
    // Without metadata: left as it is.
    assert!(!strip_metadata(&path, "image/gif").unwrap());
    assert_eq!(std::fs::read(&path).unwrap(), bytes);

    // With a comment and XMP (an application extension) after the colour table, and a
    // trailer: those go, the loop count and all three frames stay.
    let table = if bytes[10] & 0x80 != 0 {
        3 << ((bytes[10] & 7) + 1)
    } else {
        0
    };
    let at = 13 + table;
    let mut comment = vec![0x21, 0xFE, COMMENT.len() as u8];
    comment.extend_from_slice(COMMENT.as_bytes());
    comment.push(0);
    let mut xmp = vec![0x21, 0xFF, 11];
    xmp.extend_from_slice(b"XMP DataXMP");
    for chunk in XMP.as_bytes().chunks(255) {
        xmp.push(chunk.len() as u8);
        xmp.extend_from_slice(chunk);
    }
    xmp.push(0);
    let with = [&bytes[..at], &comment, &xmp, &bytes[at..], b"Canon"].concat();
    let path = write(dir.path(), "m.gif", &with);
    assert!(strip_metadata(&path, "image/gif").unwrap());
    let stripped = std::fs::read(&path).unwrap();
    assert_eq!(stripped, bytes);
    assert!(contains(&stripped, b"NETSCAPE2.0"));
}

#[test]
fn a_lossless_webp_is_analyzed_and_thumbnailed() {
    let dir = tempfile::tempdir().unwrap();
    let image = RgbaImage::from_fn(600, 200, |x, _| {
        if x < 300 {
            Rgba([255, 0, 0, 255])
        } else {
            Rgba([0, 0, 255, 255])
        }
    });
    let path = write(dir.path(), "w.webp", &webp_bytes(&image));
    let analyzed = analyze(&path, MAX_PIXELS).unwrap();
    assert_eq!(analyzed.mime, "image/webp");
    let picture = analyzed.image.unwrap();
    assert_eq!((picture.width, picture.height), (600, 200));
    assert_eq!(picture.thumbnail_mime, "image/jpeg");
    let thumb = decode(&picture.thumbnail);
    assert_eq!(thumb.dimensions(), (400, 133));
    assert!(near(thumb.get_pixel(50, 66), RED));
    assert!(near(thumb.get_pixel(350, 66), BLUE));
    // A simple WebP has no metadata: left as it is.
    assert!(!strip_metadata(&path, "image/webp").unwrap());
}

#[test]
fn a_small_image_is_not_upscaled() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "s.jpg", &jpeg_bytes(&quadrants(50, 30)));
    let picture = analyze(&path, MAX_PIXELS).unwrap().image.unwrap();
    assert_eq!((picture.width, picture.height), (50, 30));
    assert_eq!(decode(&picture.thumbnail).dimensions(), (50, 30));
}

#[test]
fn a_one_by_100000_png_gets_a_one_by_400_thumbnail() {
    let dir = tempfile::tempdir().unwrap();
    let raw = vec![128u8; 100_000];
    for (w, h, thumb) in [(1, 100_000, (1, 400)), (100_000, 1, (400, 1))] {
        let path = write(
            dir.path(),
            "long.png",
            &png_bytes(&raw, w, h, image::ExtendedColorType::L8),
        );
        let picture = analyze(&path, MAX_PIXELS).unwrap().image.unwrap();
        assert_eq!((picture.width, picture.height), (w, h));
        assert_eq!(decode(&picture.thumbnail).dimensions(), thumb);
    }
}

/// A PNG whose header claims `width`×`height` RGBA pixels, with a tiny IDAT.
fn png_claiming(width: u32, height: u32) -> Vec<u8> {
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]); // 8-bit RGBA, no interlace
    let mut zlib = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    zlib.write_all(&[0u8; 4096]).unwrap();
    let idat = zlib.finish().unwrap();
    [
        PNG_SIGNATURE.to_vec(),
        png_chunk(b"IHDR", &ihdr),
        png_chunk(b"IDAT", &idat),
        png_chunk(b"IEND", &[]),
    ]
    .concat()
}

#[test]
fn a_decompression_bomb_is_never_decoded() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "bomb.png", &png_claiming(100_000, 100_000));
    assert!(std::fs::metadata(&path).unwrap().len() < 200);
    let before = decodes();
    let started = Instant::now();
    let analyzed = analyze(&path, MAX_PIXELS).unwrap();
    assert!(
        started.elapsed().as_secs_f64() < 1.0,
        "{:?}",
        started.elapsed()
    );
    assert_eq!(analyzed.mime, "image/png");
    assert!(analyzed.image.is_none());
    assert_eq!(decodes(), before, "it did not try to decode");
    // The same in the other formats' largest headers: a GIF of 65535×65535.
    let mut gif = b"GIF89a".to_vec();
    gif.extend_from_slice(&[0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0]);
    gif.extend_from_slice(&[
        0x2C, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0, 2, 2, 0x4C, 0x01, 0,
    ]);
    gif.push(0x3B);
    let path = write(dir.path(), "bomb.gif", &gif);
    let analyzed = analyze(&path, MAX_PIXELS).unwrap();
    assert_eq!(analyzed.mime, "image/gif");
    assert!(analyzed.image.is_none());
    assert_eq!(decodes(), before);
    // Even with no pixel limit, image's allocation limit stops it (never 40 GB).
    let started = Instant::now();
    let path = dir.path().join("bomb.png");
    assert!(analyze(&path, u64::MAX).unwrap().image.is_none());
    assert!(started.elapsed().as_secs_f64() < 1.0);
}

#[test]
fn an_image_over_max_pixels_is_kept_as_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let raw = vec![7u8; 64 * 48 * 3];
    let path = write(
        dir.path(),
        "p.png",
        &png_bytes(&raw, 64, 48, image::ExtendedColorType::Rgb8),
    );
    let before = decodes();
    let analyzed = analyze(&path, 64 * 48 - 1).unwrap();
    assert_eq!(analyzed.mime, "image/png");
    assert!(analyzed.image.is_none());
    assert_eq!(decodes(), before);
    // Exactly at the limit is fine.
    assert!(analyze(&path, 64 * 48).unwrap().image.is_some());
}

#[test]
fn a_png_header_on_garbage_is_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = png_claiming(100, 100);
    bytes.truncate(8 + 25); // signature and IHDR
    bytes.extend((0..5000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8));
    let path = write(dir.path(), "g.png", &bytes);
    let analyzed = analyze(&path, MAX_PIXELS).unwrap();
    assert_eq!(analyzed.mime, "image/png");
    assert!(analyzed.image.is_none());
    let _ = strip_metadata(&path, "image/png").unwrap();
    // A JPEG's first bytes on garbage likewise.
    let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10];
    bytes.extend_from_slice(b"JFIF\0garbage garbage garbage");
    let path = write(dir.path(), "g.jpg", &bytes);
    let analyzed = analyze(&path, MAX_PIXELS).unwrap();
    assert_eq!(analyzed.mime, "image/jpeg");
    assert!(analyzed.image.is_none());
    assert!(!strip_metadata(&path, "image/jpeg").unwrap());
    assert_eq!(std::fs::read(&path).unwrap(), bytes, "left as it is");
}

#[test]
fn html_named_like_a_photo_is_text_html() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "photo.jpg",
        b"\n  <!DOCTYPE html>\n<html><body><script>alert(1)</script></body></html>",
    );
    let analyzed = analyze(&path, MAX_PIXELS).unwrap();
    assert_eq!(analyzed.mime, "text/html");
    assert!(analyzed.image.is_none());
    let path = write(dir.path(), "x.jpg", b"<p onclick=alert(1)>hi</p>");
    assert_eq!(analyze(&path, MAX_PIXELS).unwrap().mime, "text/html");
    // HTML that starts with a tag infer does not list, SVG, and plain text: octet-stream.
    let path = write(dir.path(), "y.jpg", b"<img src=x onerror=alert(1)>");
    assert_eq!(analyze(&path, MAX_PIXELS).unwrap().mime, OCTET_STREAM);
    let path = write(
        dir.path(),
        "z.jpg",
        b"<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>",
    );
    assert_eq!(analyze(&path, MAX_PIXELS).unwrap().mime, OCTET_STREAM);
    let path = write(dir.path(), "notes.txt", "买牛奶, 鸡蛋".as_bytes());
    assert_eq!(analyze(&path, MAX_PIXELS).unwrap().mime, OCTET_STREAM);
}

#[test]
fn an_empty_file_is_octet_stream() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "empty", b"");
    let analyzed = analyze(&path, MAX_PIXELS).unwrap();
    assert_eq!(analyzed.mime, OCTET_STREAM);
    assert!(analyzed.image.is_none());
    for mime in ["image/jpeg", "image/png", "image/webp"] {
        assert!(!strip_metadata(&path, mime).unwrap());
    }
    assert!(analyze(&dir.path().join("missing"), MAX_PIXELS).is_err());
}

/// The start of a WebM file as Chromium's `MediaRecorder` writes it for
/// `audio/webm;codecs=opus`: EBML header (DocType webm), a Segment of unknown size, an
/// Info, and Tracks with one audio track (A_OPUS), then a Cluster.
fn webm_opus_header() -> Vec<u8> {
    let mut b = vec![
        0x1A, 0x45, 0xDF, 0xA3, 0x9F, // EBML, 31 bytes
        0x42, 0x86, 0x81, 0x01, // EBMLVersion 1
        0x42, 0xF7, 0x81, 0x01, // EBMLReadVersion 1
        0x42, 0xF2, 0x81, 0x04, // EBMLMaxIDLength 4
        0x42, 0xF3, 0x81, 0x08, // EBMLMaxSizeLength 8
        0x42, 0x82, 0x84, b'w', b'e', b'b', b'm', // DocType webm
        0x42, 0x87, 0x81, 0x04, // DocTypeVersion 4
        0x42, 0x85, 0x81, 0x02, // DocTypeReadVersion 2
        0x18, 0x53, 0x80, 0x67, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, // Segment
        0x15, 0x49, 0xA9, 0x66, 0x8A, // Info
        0x2A, 0xD7, 0xB1, 0x83, 0x0F, 0x42, 0x40, // TimestampScale 1000000
        0x4D, 0x80, 0x81, b'C', // MuxingApp
        0x16, 0x54, 0xAE, 0x6B, 0x92, // Tracks
        0xAE, 0x90, // TrackEntry
        0xD7, 0x81, 0x01, // TrackNumber 1
        0x83, 0x81, 0x02, // TrackType audio
        0x86, 0x86, b'A', b'_', b'O', b'P', b'U', b'S', // CodecID
        0xE1, 0x80, // Audio
        0x1F, 0x43, 0xB6, 0x75, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, // Cluster
        0xE7, 0x81, 0x00, // Timestamp 0
    ];
    // A SimpleBlock of (fake) Opus data.
    b.extend_from_slice(&[0xA3, 0x42, 0x00, 0x81, 0x00, 0x00, 0x80]);
    b.extend(std::iter::repeat_n(0xFC, 0x200 - 4));
    b
}

#[test]
fn audio_and_other_files_are_typed_from_their_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let ftyp = |brand: &[u8; 4]| -> Vec<u8> {
        let mut b = vec![0, 0, 0, 0x1C];
        b.extend_from_slice(b"ftyp");
        b.extend_from_slice(brand);
        b.extend_from_slice(&[0, 0, 2, 0]);
        b.extend_from_slice(brand);
        b.extend_from_slice(b"isommp41");
        b.extend_from_slice(&[0, 0, 0, 8]);
        b.extend_from_slice(b"free");
        b
    };
    let mut ogg_opus = b"OggS\0\x02".to_vec();
    ogg_opus.resize(28, 0);
    ogg_opus.extend_from_slice(b"OpusHead\x01\x01\x38\x01\x80\xbb\0\0\0\0\0");
    let mut ogg_vorbis = b"OggS\0\x02".to_vec();
    ogg_vorbis.resize(28, 0);
    ogg_vorbis.extend_from_slice(b"\x01vorbis\0\0\0\0\x01");
    let mut wav = b"RIFF\x24\0\0\0WAVEfmt \x10\0\0\0\x01\0\x01\0".to_vec();
    wav.resize(44, 0);
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        // WebM is named by its container, whatever its tracks: the caller accepts
        // video/webm as a voice note.
        ("webm", webm_opus_header(), "video/webm"),
        ("m4a", ftyp(b"M4A "), "audio/mp4"),
        ("mp4 (mp42)", ftyp(b"mp42"), "video/mp4"),
        ("mp4 (isom)", ftyp(b"isom"), "video/mp4"),
        ("mp4 (iso5)", ftyp(b"iso5"), "video/mp4"),
        ("ogg opus", ogg_opus, "audio/ogg"),
        ("ogg vorbis", ogg_vorbis, "audio/ogg"),
        (
            "mp3",
            b"ID3\x04\0\0\0\0\0\0 later frames".to_vec(),
            "audio/mpeg",
        ),
        ("wav", wav, "audio/wav"),
        (
            "pdf",
            b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj".to_vec(),
            "application/pdf",
        ),
        (
            "zip",
            b"PK\x03\x04\x14\0\0\0\x08\0rest".to_vec(),
            "application/zip",
        ),
    ];
    for (name, bytes, mime) in cases {
        let path = write(dir.path(), name, &bytes);
        let analyzed = analyze(&path, MAX_PIXELS).unwrap();
        assert_eq!(analyzed.mime, mime, "{name}");
        assert!(analyzed.image.is_none(), "{name}");
        assert!(!strip_metadata(&path, &analyzed.mime).unwrap(), "{name}");
    }
    // infer needs more than 256 bytes to call it WebM.
    let path = write(dir.path(), "short.webm", &webm_opus_header()[..200]);
    assert_eq!(analyze(&path, MAX_PIXELS).unwrap().mime, OCTET_STREAM);
}

// ---------------------------------------------------------------------------------------
// strip_metadata

#[test]
fn a_jpeg_without_orientation_loses_its_exif_entirely() {
    let dir = tempfile::tempdir().unwrap();
    let plain = jpeg_bytes(&quadrants(64, 48));
    // Orientation 1 with GPS, little-endian EXIF, and junk after the end of the image.
    let mut bytes = with_segments(
        &plain,
        &[segment(
            0xE1,
            &[b"Exif\0\0".as_slice(), &camera_exif(1, true)].concat(),
        )],
    );
    bytes.extend_from_slice(b"trailer: Canon SN-4711-0815");
    let path = write(dir.path(), "p.jpg", &bytes);
    assert!(strip_metadata(&path, "image/jpeg").unwrap());
    let stripped = std::fs::read(&path).unwrap();
    assert_no_camera_metadata(&stripped);
    assert!(exif_fields(&path).is_none(), "no EXIF at all");
    assert_eq!(stripped, plain, "exactly the encoder's output again");
}

#[test]
fn a_jpeg_without_metadata_is_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let plain = jpeg_bytes(&quadrants(64, 48));
    let path = write(dir.path(), "p.jpg", &plain);
    let modified = std::fs::metadata(&path).unwrap().modified().unwrap();
    assert!(!strip_metadata(&path, "image/jpeg").unwrap());
    assert_eq!(std::fs::read(&path).unwrap(), plain);
    assert_eq!(
        std::fs::metadata(&path).unwrap().modified().unwrap(),
        modified
    );
}

#[test]
fn a_truncated_jpeg_is_still_stripped() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = with_segments(&jpeg_bytes(&quadrants(64, 48)), &camera_segments(6));
    // Cut inside the entropy-coded data (the last 100 bytes are scan data and EOI).
    let cut = &bytes[..bytes.len() - 100];
    let path = write(dir.path(), "cut.jpg", cut);
    assert!(strip_metadata(&path, "image/jpeg").unwrap());
    let stripped = std::fs::read(&path).unwrap();
    assert_no_camera_metadata(&stripped);
    assert!(
        stripped.ends_with(&cut[cut.len() - 50..]),
        "the scan kept as it is"
    );
    assert_eq!(
        exif_fields(&path).unwrap(),
        vec![(exif::Tag::Orientation, exif::In::PRIMARY, 6)]
    );
}

#[test]
fn a_progressive_style_jpeg_with_metadata_between_scans_is_walked() {
    // Markers after the first scan (a second DHT, an APP1, a comment, a restart marker,
    // stuffed 0xFF00 bytes) are found in the entropy-coded data.
    let dir = tempfile::tempdir().unwrap();
    let plain = jpeg_bytes(&quadrants(64, 48));
    let eoi = plain.len() - 2;
    assert_eq!(&plain[eoi..], [0xFF, 0xD9]);
    let mut bytes = plain[..eoi].to_vec();
    bytes.extend_from_slice(&segment(0xFE, COMMENT.as_bytes()));
    bytes.extend_from_slice(&segment(0xC4, &[0x00; 17]));
    bytes.extend_from_slice(&segment(0xDA, &[1, 1, 0, 0, 63, 0]));
    bytes.extend_from_slice(&[0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56, 0xFF, 0xFF, 0x00]);
    let kept_scan = bytes.len();
    bytes.extend_from_slice(&segment(
        0xE1,
        &[b"Exif\0\0".as_slice(), &camera_exif(6, false)].concat(),
    ));
    bytes.extend_from_slice(&[0xFF, 0xD9]);
    let path = write(dir.path(), "p.jpg", &bytes);
    assert!(strip_metadata(&path, "image/jpeg").unwrap());
    let stripped = std::fs::read(&path).unwrap();
    assert_no_camera_metadata(&stripped);
    // Everything but the comment and the EXIF (now minimal, in its place) is kept.
    let minimal = segment(0xE1, &[b"Exif\0\0".as_slice(), &minimal_tiff(6)].concat());
    let expected = [
        &plain[..eoi],
        &bytes[eoi + 4 + COMMENT.len()..kept_scan],
        &minimal,
        &[0xFF, 0xD9],
    ]
    .concat();
    assert_eq!(stripped, expected);
}

/// A PNG with camera metadata: eXIf (orientation and GPS), tEXt, zTXt-like iTXt XMP, tIME,
/// a private chunk, and junk after IEND.
fn png_with_metadata(orientation: u16) -> (Vec<u8>, RgbaImage) {
    let image = RgbaImage::from_fn(40, 20, |x, y| match (x < 20, y < 10) {
        (true, true) => Rgba([255, 0, 0, 255]),
        (false, true) => Rgba([0, 255, 0, 255]),
        (true, false) => Rgba([0, 0, 255, 255]),
        (false, false) => Rgba([255, 255, 255, 128]),
    });
    let plain = png_bytes(image.as_raw(), 40, 20, image::ExtendedColorType::Rgba8);
    let ihdr_end = 8 + 25;
    let extra = [
        png_chunk(b"gAMA", &45_455u32.to_be_bytes()),
        png_chunk(b"eXIf", &camera_exif(orientation, true)),
        png_chunk(b"tEXt", format!("Comment\0{COMMENT}").as_bytes()),
        png_chunk(
            b"iTXt",
            format!("XML:com.adobe.xmp\0\0\0\0\0{XMP}").as_bytes(),
        ),
        png_chunk(b"tIME", &[7, 230, 5, 1, 12, 0, 0]),
        png_chunk(b"prVt", SERIAL.as_bytes()),
    ]
    .concat();
    let bytes = [&plain[..ihdr_end], &extra, &plain[ihdr_end..], b"Canon"].concat();
    (bytes, image)
}

#[test]
fn a_png_keeps_only_its_orientation() {
    let dir = tempfile::tempdir().unwrap();
    let (bytes, image) = png_with_metadata(6);
    let path = write(dir.path(), "p.png", &bytes);
    let analyzed = analyze(&path, MAX_PIXELS).unwrap().image.unwrap();
    assert_eq!(
        (analyzed.width, analyzed.height),
        (20, 40),
        "eXIf orientation applied"
    );
    assert_eq!(
        analyzed.thumbnail_mime, "image/png",
        "a half-transparent quarter"
    );

    assert!(strip_metadata(&path, "image/png").unwrap());
    let stripped = std::fs::read(&path).unwrap();
    assert_no_camera_metadata(&stripped);
    assert!(!contains(&stripped, b"tIME") && !contains(&stripped, b"prVt"));
    assert!(contains(&stripped, b"gAMA"), "colour kept");
    assert!(stripped.ends_with(&png_chunk(b"IEND", &[])));
    assert_eq!(
        exif_fields(&path).unwrap(),
        vec![(exif::Tag::Orientation, exif::In::PRIMARY, 6)]
    );
    assert_eq!(decode(&stripped).to_rgba8(), image, "the same pixels");
    let again = analyze(&path, MAX_PIXELS).unwrap().image.unwrap();
    assert_eq!(again, analyzed);
    assert!(!strip_metadata(&path, "image/png").unwrap());

    // Orientation 1: no eXIf left at all.
    let (bytes, _) = png_with_metadata(1);
    let path = write(dir.path(), "q.png", &bytes);
    assert!(strip_metadata(&path, "image/png").unwrap());
    assert!(exif_fields(&path).is_none());
    assert_no_camera_metadata(&std::fs::read(&path).unwrap());
}

#[test]
fn a_png_without_metadata_is_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let raw = vec![9u8; 10 * 10 * 4];
    let plain = png_bytes(&raw, 10, 10, image::ExtendedColorType::Rgba8);
    let path = write(dir.path(), "p.png", &plain);
    assert!(!strip_metadata(&path, "image/png").unwrap());
    assert_eq!(std::fs::read(&path).unwrap(), plain);
}

/// An extended WebP: VP8X (with the EXIF and XMP flags), the lossless image, EXIF (TIFF as
/// the specification says, or behind the `Exif\0\0` some writers add), XMP and an unknown
/// chunk.
fn webp_with_metadata(image: &RgbaImage, orientation: u16, prefixed: bool) -> Vec<u8> {
    let simple = webp_bytes(image);
    assert_eq!(&simple[12..16], b"VP8L");
    let chunk = |kind: &[u8; 4], data: &[u8]| -> Vec<u8> {
        let mut c = kind.to_vec();
        c.extend_from_slice(&(data.len() as u32).to_le_bytes());
        c.extend_from_slice(data);
        if data.len() % 2 == 1 {
            c.push(0);
        }
        c
    };
    let mut vp8x = vec![0x10 | VP8X_EXIF | VP8X_XMP, 0, 0, 0];
    vp8x.extend_from_slice(&(image.width() - 1).to_le_bytes()[..3]);
    vp8x.extend_from_slice(&(image.height() - 1).to_le_bytes()[..3]);
    let body = [
        b"WEBP".to_vec(),
        chunk(b"VP8X", &vp8x),
        simple[12..].to_vec(),
        chunk(
            b"EXIF",
            &[
                if prefixed {
                    b"Exif\0\0".as_slice()
                } else {
                    b""
                },
                &camera_exif(orientation, false),
            ]
            .concat(),
        ),
        chunk(b"XMP ", XMP.as_bytes()),
        chunk(b"ZZZZ", SERIAL.as_bytes()),
    ]
    .concat();
    let mut out = b"RIFF".to_vec();
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out.extend_from_slice(&body);
    out
}

#[test]
fn a_webp_keeps_only_its_orientation() {
    let dir = tempfile::tempdir().unwrap();
    let image = RgbaImage::from_fn(40, 20, |x, _| {
        if x < 20 {
            Rgba([255, 0, 0, 255])
        } else {
            Rgba([0, 0, 255, 255])
        }
    });
    let path = write(dir.path(), "p.webp", &webp_with_metadata(&image, 6, false));
    let analyzed = analyze(&path, MAX_PIXELS).unwrap();
    assert_eq!(analyzed.mime, "image/webp");
    let picture = analyzed.image.unwrap();
    assert_eq!((picture.width, picture.height), (20, 40));

    assert!(strip_metadata(&path, "image/webp").unwrap());
    let stripped = std::fs::read(&path).unwrap();
    assert_no_camera_metadata(&stripped);
    assert_eq!(
        u32::from_le_bytes(stripped[4..8].try_into().unwrap()) as usize,
        stripped.len() - 8,
        "RIFF size"
    );
    assert_eq!(&stripped[12..16], b"VP8X");
    assert_eq!(stripped[20] & (VP8X_EXIF | VP8X_XMP), VP8X_EXIF, "flags");
    assert_eq!(
        exif_fields(&path).unwrap(),
        vec![(exif::Tag::Orientation, exif::In::PRIMARY, 6)]
    );
    assert_eq!(decode(&stripped).to_rgba8(), image, "the same pixels");
    assert_eq!(analyze(&path, MAX_PIXELS).unwrap().image.unwrap(), picture);
    assert!(!strip_metadata(&path, "image/webp").unwrap());

    // Behind `Exif\0\0`: the minimal EXIF keeps that form.
    let path = write(dir.path(), "r.webp", &webp_with_metadata(&image, 6, true));
    assert!(strip_metadata(&path, "image/webp").unwrap());
    let stripped = std::fs::read(&path).unwrap();
    assert_no_camera_metadata(&stripped);
    assert!(stripped.ends_with(&[b"EXIF\x20\0\0\0Exif\0\0".as_slice(), &minimal_tiff(6)].concat()));
    assert_eq!(decode(&stripped).to_rgba8(), image);

    // Orientation 1: the EXIF flag goes too.
    let path = write(dir.path(), "q.webp", &webp_with_metadata(&image, 1, true));
    assert!(strip_metadata(&path, "image/webp").unwrap());
    let stripped = std::fs::read(&path).unwrap();
    assert_eq!(stripped[20] & (VP8X_EXIF | VP8X_XMP), 0);
    assert!(!contains(&stripped, b"EXIF"));
    assert_no_camera_metadata(&stripped);
    assert_eq!(decode(&stripped).to_rgba8(), image);
}

#[test]
fn other_types_are_not_stripped() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = with_segments(&jpeg_bytes(&quadrants(16, 16)), &camera_segments(6));
    let path = write(dir.path(), "p", &bytes);
    // The caller names the type; a JPEG called a PDF is left alone, and a JPEG walked as a
    // PNG is not understood.
    assert!(!strip_metadata(&path, "application/pdf").unwrap());
    assert!(!strip_metadata(&path, "image/png").unwrap());
    assert!(!strip_metadata(&path, "image/webp").unwrap());
    assert_eq!(std::fs::read(&path).unwrap(), bytes);
}

#[test]
fn helpers() {
    assert_eq!(fit(4000, 3000, 400), (400, 300));
    assert_eq!(fit(3000, 4000, 400), (300, 400));
    assert_eq!(fit(400, 400, 400), (400, 400));
    assert_eq!(fit(401, 1, 400), (400, 1));
    assert_eq!(fit(1, 100_000, 400), (1, 400));
    assert_eq!(fit(1001, 999, 400), (400, 399));
    assert_eq!(fit(u32::MAX, u32::MAX - 1, 400), (400, 400));
    assert_eq!(crc32(b"IEND"), 0xAE42_6082);
    assert_eq!(minimal_tiff(6).len(), 26);
    assert_eq!(orientation_of(&minimal_tiff(6)), Some(6));
    assert_eq!(orientation_of(&minimal_tiff(1)), None);
    assert_eq!(orientation_of(&minimal_tiff(9)), None);
    assert_eq!(orientation_of(b"garbage"), None);
}

// ---------------------------------------------------------------------------------------
// Never a panic

/// Small valid files of every kind with metadata, to truncate and mutate.
fn seeds() -> Vec<(&'static str, Vec<u8>)> {
    let rgb = quadrants(24, 16);
    let rgba = RgbaImage::from_fn(24, 16, |x, y| Rgba([x as u8 * 10, y as u8 * 10, 0, 200]));
    let mut gif = Vec::new();
    {
        let mut encoder = image::codecs::gif::GifEncoder::new(&mut gif);
        let frames = [[255, 0, 0, 255], [0, 0, 255, 255]]
            .map(|c| image::Frame::new(RgbaImage::from_pixel(12, 8, Rgba(c))));
        encoder.encode_frames(frames).unwrap();
    }
    vec![
        (
            "image/jpeg",
            with_segments(&jpeg_bytes(&rgb), &camera_segments(6)),
        ),
        ("image/png", png_with_metadata(6).0),
        ("image/webp", webp_with_metadata(&rgba, 6, true)),
        ("image/gif", gif_with_comment(gif)),
        (
            "image/png",
            png_bytes(
                Rgb([1u8, 2, 3]).0.repeat(24 * 16).as_slice(),
                24,
                16,
                image::ExtendedColorType::Rgb8,
            ),
        ),
    ]
}

/// Runs everything on `bytes`: no panic, no error but I/O.
fn survive(dir: &Path, bytes: &[u8]) {
    let path = write(dir, "fuzz", bytes);
    let analyzed = analyze(&path, 1_000_000).expect("only I/O errors");
    if let Some(picture) = &analyzed.image {
        assert!(picture.width > 0 && picture.height > 0);
        let thumb = decode(&picture.thumbnail);
        assert!(thumb.width() <= THUMBNAIL_MAX && thumb.height() <= THUMBNAIL_MAX);
    }
    for mime in [
        "image/jpeg",
        "image/png",
        "image/webp",
        "image/gif",
        analyzed.mime.as_str(),
    ] {
        let changed = strip_metadata(&path, mime).expect("only I/O errors");
        if changed {
            // Stripping is idempotent.
            assert!(!strip_metadata(&path, mime).unwrap(), "{mime}");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600), prefix in 0usize..6) {
        let dir = tempfile::tempdir().unwrap();
        // Random bytes, and random bytes behind each format's magic number.
        let magic: [&[u8]; 6] = [b"", b"\xFF\xD8\xFF", &PNG_SIGNATURE, b"RIFF\0\0\0\0WEBPVP8X", b"GIF89a", b"\xFF\xD8\xFF\xE1\x00\x20Exif\0\0MM\0\x2a"];
        survive(dir.path(), &[magic[prefix], &bytes].concat());
    }

    #[test]
    fn truncated_and_mutated_files_never_panic(
        seed in 0usize..5,
        cut in 0.0f64..1.0,
        flips in proptest::collection::vec((0.0f64..1.0, any::<u8>()), 0..4),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let (_, mut bytes) = seeds().swap_remove(seed);
        for (at, value) in flips {
            let last = bytes.len() - 1;
            let i = (at * bytes.len() as f64) as usize;
            bytes[i.min(last)] = value;
        }
        survive(dir.path(), &bytes);
        bytes.truncate((cut * bytes.len() as f64) as usize);
        survive(dir.path(), &bytes);
    }
}

#[test]
fn the_seeds_are_what_they_claim() {
    let dir = tempfile::tempdir().unwrap();
    for (mime, bytes) in seeds() {
        let path = write(dir.path(), "seed", &bytes);
        let analyzed = analyze(&path, MAX_PIXELS).unwrap();
        assert_eq!(analyzed.mime, mime);
        assert!(analyzed.image.is_some(), "{mime}");
    }
}

/// `gif` with a comment extension after its colour table.
fn gif_with_comment(gif: Vec<u8>) -> Vec<u8> {
    let table = if gif[10] & 0x80 != 0 {
        3 << ((gif[10] & 7) + 1)
    } else {
        0
    };
    let at = 13 + table;
    let comment = [&[0x21, 0xFE, 5][..], b"hello", &[0]].concat();
    [&gif[..at], &comment, &gif[at..]].concat()
}

#[test]
fn a_png_cut_inside_its_metadata_loses_the_rest_of_it() {
    let dir = tempfile::tempdir().unwrap();
    let (bytes, _) = png_with_metadata(6);
    let text = bytes.windows(4).position(|w| w == b"tEXt").unwrap();
    let cut = &bytes[..text + 4 + 12]; // "Comment\0taken"
    let path = write(dir.path(), "cut.png", cut);
    assert!(strip_metadata(&path, "image/png").unwrap());
    let stripped = std::fs::read(&path).unwrap();
    assert!(!contains(&stripped, b"Comment") && !contains(&stripped, b"taken"));
    assert_no_camera_metadata(&stripped);
    assert_eq!(
        exif_fields(&path).unwrap(),
        vec![(exif::Tag::Orientation, exif::In::PRIMARY, 6)]
    );
}
