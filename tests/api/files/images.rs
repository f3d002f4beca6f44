//! Real images through the real server: size as displayed, thumbnails upright and at most
//! 400×400, the location never served.

use image::{ImageFormat, Rgba, RgbaImage};
use rocket::http::Status;

use super::*;

/// A JPEG of `w`×`h` whose top-left quadrant is red and the rest blue, carrying EXIF with
/// `orientation` and a GPS position (latitude numerator 0x13572468, a marker to look for).
fn jpeg_with_exif(w: u32, h: u32, orientation: u16) -> Vec<u8> {
    let img = RgbaImage::from_fn(w, h, |x, y| {
        if x < w / 2 && y < h / 2 {
            Rgba([255, 0, 0, 255])
        } else {
            Rgba([0, 0, 255, 255])
        }
    });
    let mut plain = Vec::new();
    image::DynamicImage::ImageRgba8(img)
        .to_rgb8()
        .write_to(&mut std::io::Cursor::new(&mut plain), ImageFormat::Jpeg)
        .unwrap();
    // TIFF, little endian: IFD0 (Orientation, GPS pointer), then the GPS IFD.
    let mut tiff: Vec<u8> = b"II*\0".to_vec();
    tiff.extend(8u32.to_le_bytes());
    let entry = |tag: u16, kind: u16, count: u32, value: u32| {
        let mut e = tag.to_le_bytes().to_vec();
        e.extend(kind.to_le_bytes());
        e.extend(count.to_le_bytes());
        e.extend(value.to_le_bytes());
        e
    };
    let gps_at = 8 + 2 + 2 * 12 + 4;
    tiff.extend(2u16.to_le_bytes());
    tiff.extend(entry(0x0112, 3, 1, u32::from(orientation)));
    tiff.extend(entry(0x8825, 4, 1, gps_at));
    tiff.extend(0u32.to_le_bytes());
    let rationals_at = gps_at + 2 + 2 * 12 + 4;
    tiff.extend(2u16.to_le_bytes());
    tiff.extend(entry(0x0001, 2, 2, u32::from_le_bytes(*b"N\0\0\0")));
    tiff.extend(entry(0x0002, 5, 3, rationals_at));
    tiff.extend(0u32.to_le_bytes());
    for (n, d) in [(0x1357_2468u32, 1u32), (30, 1), (0, 1)] {
        tiff.extend(n.to_le_bytes());
        tiff.extend(d.to_le_bytes());
    }
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend(tiff);
    let mut out = vec![0xFF, 0xD8, 0xFF, 0xE1];
    out.extend(u16::try_from(app1.len() + 2).unwrap().to_be_bytes());
    out.extend(app1);
    out.extend(&plain[2..]);
    out
}

const GPS_MARKER: [u8; 4] = 0x1357_2468u32.to_le_bytes();

fn fetch(app: &TestApp, url: &str) -> Vec<u8> {
    let res = app.client.get(url.to_string()).dispatch();
    assert_eq!(res.status(), Status::Ok, "{url}");
    res.into_bytes().unwrap()
}

#[test]
fn a_rotated_photo_shows_upright_and_its_location_is_never_served() {
    let app = TestApp::spawn();
    let (a, _, _) = pair(&app);
    let photo = jpeg_with_exif(800, 600, 6);
    assert!(
        photo.windows(4).any(|w| w == GPS_MARKER),
        "the test photo has GPS"
    );
    let data = uploaded(&app, &a, "IMG_0001.jpg", &photo);
    assert_eq!(data["mime"], "image/jpeg");
    // Orientation 6: the stored 800×600 shows as 600×800.
    assert_eq!(
        (data["width"].as_i64(), data["height"].as_i64()),
        (Some(600), Some(800))
    );

    let thumb = fetch(&app, data["thumbnail_url"].as_str().unwrap());
    let thumb = image::load_from_memory(&thumb).unwrap().to_rgba8();
    assert_eq!(thumb.dimensions(), (300, 400));
    // Rotated 90° clockwise, the red top-left quadrant is now top-right.
    let top_right = thumb.get_pixel(300 - 20, 20);
    let top_left = thumb.get_pixel(20, 20);
    assert!(top_right[0] > 200 && top_right[2] < 80, "{top_right:?}");
    assert!(top_left[2] > 200 && top_left[0] < 80, "{top_left:?}");

    let original = fetch(&app, data["url"].as_str().unwrap());
    assert!(
        !original.windows(4).any(|w| w == GPS_MARKER),
        "GPS is gone from the original"
    );
    let decoded = image::load_from_memory(&original).unwrap();
    assert_eq!(
        (decoded.width(), decoded.height()),
        (800, 600),
        "pixels untouched"
    );
    for (kept, _) in media_files(&app)
        .0
        .iter()
        .map(|p| (std::fs::read(p).unwrap(), p))
    {
        assert!(
            !kept.windows(4).any(|w| w == GPS_MARKER),
            "nor stored anywhere"
        );
    }
}

#[test]
fn png_gif_and_webp_get_thumbnails_and_small_images_are_not_enlarged() {
    let app = TestApp::spawn();
    let (a, _, _) = pair(&app);
    let encode = |img: image::DynamicImage, format: ImageFormat| {
        let mut out = Vec::new();
        img.write_to(&mut std::io::Cursor::new(&mut out), format)
            .unwrap();
        out
    };
    let clear = RgbaImage::from_fn(1000, 500, |x, _| {
        Rgba([0, 128, 0, if x < 500 { 0 } else { 255 }])
    });
    let png = uploaded(
        &app,
        &a,
        "clear.png",
        &encode(clear.into(), ImageFormat::Png),
    );
    assert_eq!(png["mime"], "image/png");
    let thumb = fetch(&app, png["thumbnail_url"].as_str().unwrap());
    assert_eq!(
        image::guess_format(&thumb).unwrap(),
        ImageFormat::Png,
        "transparency kept"
    );
    let thumb = image::load_from_memory(&thumb).unwrap();
    assert_eq!((thumb.width(), thumb.height()), (400, 200));

    let small = RgbaImage::from_pixel(50, 30, Rgba([9, 9, 9, 255]));
    let webp = uploaded(
        &app,
        &a,
        "small.webp",
        &encode(small.into(), ImageFormat::WebP),
    );
    assert_eq!(webp["mime"], "image/webp");
    let thumb =
        image::load_from_memory(&fetch(&app, webp["thumbnail_url"].as_str().unwrap())).unwrap();
    assert_eq!(
        (thumb.width(), thumb.height()),
        (50, 30),
        "never larger than the original"
    );

    let gif = RgbaImage::from_pixel(120, 80, Rgba([200, 10, 10, 255]));
    let gif = uploaded(&app, &a, "one.gif", &encode(gif.into(), ImageFormat::Gif));
    assert_eq!(gif["mime"], "image/gif");
    assert!(gif["thumbnail_url"].is_string());
}

#[test]
fn what_is_not_a_decodable_image_is_a_file() {
    let app = TestApp::spawn();
    let (a, _, _) = pair(&app);
    let mut fake = b"\x89PNG\r\n\x1a\n".to_vec();
    fake.extend([0u8; 200]);
    let fake = uploaded(&app, &a, "broken.png", &fake);
    assert_eq!(fake["width"], Value::Null);
    assert_eq!(fake["thumbnail_url"], Value::Null);
    let html = uploaded(
        &app,
        &a,
        "photo.jpg",
        b"<!doctype html><script>x()</script>",
    );
    assert_ne!(html["mime"], "image/jpeg");
    assert_eq!(html["thumbnail_url"], Value::Null);
}
