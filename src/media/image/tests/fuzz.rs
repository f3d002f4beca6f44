//! Random and damaged inputs: never a panic, only I/O errors.

use super::strip::{png_with_metadata, webp_with_metadata};
use super::*;

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
