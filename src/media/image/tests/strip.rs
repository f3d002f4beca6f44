//! `strip_metadata`: what is removed, what is kept, what is left alone.

use super::*;

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
pub(super) fn png_with_metadata(orientation: u16) -> (Vec<u8>, RgbaImage) {
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
pub(super) fn webp_with_metadata(image: &RgbaImage, orientation: u16, prefixed: bool) -> Vec<u8> {
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
