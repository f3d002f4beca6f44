//! `analyze`: types, sizes and thumbnails, bombs and bad input.

use super::*;

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
