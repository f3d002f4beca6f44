//! Thumbnail time for a 12-megapixel photo (issue 15's target: under 300 ms). Run:
//!
//! ```sh
//! cargo run --release --example thumb [RUNS] [SAVE_TO]
//! ```
//!
//! With SAVE_TO, the generated photo is also written there (bench/media.sh uploads it).
//!
//! Makes a 4000×3000 JPEG like a camera's (quality 90, textured so that its entropy-coded
//! data is at least as dense as a real photo's: about 9 MB, with an EXIF orientation 6 so the
//! thumbnail is rotated too) in a temporary folder, then times `media::image::analyze` on it
//! RUNS times (default 7; decode, thumbnail, rotation, JPEG encode) and once
//! `strip_metadata`. Prints min / median / max in ms and one Markdown table row.

use std::time::Instant;

use chatd::media::image::{analyze, strip_metadata};
use image::{ImageEncoder, RgbImage};

fn main() {
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(7)
        .max(1);
    let dir = std::env::temp_dir().join(format!("chatd-thumb-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    let path = dir.join("photo.jpg");
    let bytes = camera_like_jpeg(4000, 3000);
    std::fs::write(&path, &bytes).expect("write the photo");
    if let Some(save_to) = std::env::args().nth(2) {
        std::fs::write(save_to, &bytes).expect("save the photo");
    }
    println!(
        "12 MP JPEG: 4000×3000, {:.1} MB, EXIF orientation 6",
        bytes.len() as f64 / 1e6
    );

    let mut times = Vec::with_capacity(runs);
    let mut last = None;
    for _ in 0..runs {
        let started = Instant::now();
        let analyzed = analyze(&path, 50_000_000).expect("analyze");
        times.push(started.elapsed().as_secs_f64() * 1e3);
        last = Some(analyzed);
    }
    let analyzed = last.expect("one run");
    let picture = analyzed.image.expect("a picture");
    times.sort_by(f64::total_cmp);
    let (min, median, max) = (times[0], times[times.len() / 2], times[times.len() - 1]);
    println!(
        "analyze: {} × {} → {} thumbnail of {} bytes",
        picture.width,
        picture.height,
        picture.thumbnail_mime,
        picture.thumbnail.len()
    );
    println!("analyze ms over {runs} runs: min {min:.0}, median {median:.0}, max {max:.0}");

    let started = Instant::now();
    let changed = strip_metadata(&path, "image/jpeg").expect("strip");
    let strip_ms = started.elapsed().as_secs_f64() * 1e3;
    println!("strip_metadata: changed {changed}, {strip_ms:.1} ms");
    println!(
        "| 12 MP JPEG thumbnail (analyze, release) | {median:.0} ms median ({min:.0}–{max:.0}, {runs} runs) | strip_metadata {strip_ms:.0} ms |"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A textured 4000×3000 picture (gradients and pseudo-random grain), as a quality-90 JPEG
/// with an EXIF APP1 holding Orientation 6 behind its JFIF header.
fn camera_like_jpeg(width: u32, height: u32) -> Vec<u8> {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut raw = Vec::with_capacity((width * height * 3) as usize);
    for y in 0..height {
        for x in 0..width {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let grain = (state & 0x1F) as u32;
            raw.push(((x * 255 / width + grain) & 0xFF) as u8);
            raw.push(((y * 255 / height + grain) & 0xFF) as u8);
            raw.push((((x + y) / 16 + grain) & 0xFF) as u8);
        }
    }
    let image = RgbImage::from_raw(width, height, raw).expect("a buffer of the right size");
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 90)
        .write_image(
            image.as_raw(),
            width,
            height,
            image::ExtendedColorType::Rgb8,
        )
        .expect("encode");
    // APP1: Exif, big-endian TIFF, IFD0 with Orientation = 6.
    let mut app1 = vec![0xFF, 0xE1, 0x00, 0x22];
    app1.extend_from_slice(
        b"Exif\0\0MM\0\x2a\0\0\0\x08\0\x01\x01\x12\0\x03\0\0\0\x01\0\x06\0\0\0\0\0\0",
    );
    let after_jfif = if jpeg[2..4] == [0xFF, 0xE0] {
        4 + usize::from(u16::from_be_bytes([jpeg[4], jpeg[5]]))
    } else {
        2
    };
    let mut out = jpeg[..after_jfif].to_vec();
    out.extend_from_slice(&app1);
    out.extend_from_slice(&jpeg[after_jfif..]);
    out
}
