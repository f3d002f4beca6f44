//! Tests of `media::image` on real files made here with the `image` crate and hand-built
//! EXIF, XMP, comments and chunks, in a temporary folder.

use std::io::{BufReader, Cursor, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use image::{GenericImageView, ImageEncoder, Rgb, RgbImage, Rgba, RgbaImage};
use proptest::prelude::*;

use super::strip::*;
use super::walk::*;
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

mod analyze;
mod fuzz;
mod strip;
