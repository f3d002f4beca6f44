//! Files (API.md §12): `POST /api/auth/files` (multipart, streamed to disk) and downloads,
//! `GET /api/files/{id}` and `…/thumbnail`, by signed URL or with the `Authorization` header.

use std::time::Duration;

use rocket::data::{Data, ToByteUnit};
use rocket::http::ContentType;
use rocket::tokio::io::AsyncWriteExt;
use rocket::tokio::time::timeout;
use rocket::{get, post, routes, Route, State};
use utoipa::{OpenApi, ToSchema};

use super::docs::responses::{
    BadRequest, FileNotFound, FileTooLarge, RangeNotSatisfiable, RequestTimeout, ServerError,
    SignedIn, StorageFull,
};
use crate::auth::AuthUser;
use crate::config::Config;
use crate::db::Db;
use crate::domain::files::{self, FileView, Links};
use crate::error::{created, ApiResult, Envelope, Error};
use crate::ids::{FileId, Given, UserId};
use crate::media::serve::{disposition_for, Disposition, Download, Opened};
use crate::media::store::{Incoming, MediaStore};

pub fn routes() -> Vec<Route> {
    routes![upload, download, thumbnail]
}

/// These routes in the OpenAPI document.
pub(super) fn api() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(upload, download, thumbnail))]
    struct Api;
    Api::openapi()
}

/// The multipart body of an upload (for the document only).
#[derive(ToSchema)]
#[allow(dead_code)]
struct UploadForm {
    /// The file, with its name as the browser's `FormData` sends it.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// Upload a file.
///
/// `multipart/form-data` with one part named `file`. The type is decided from the bytes; a
/// JPEG, PNG, GIF or WebP within `max_image_pixels` gets its size and a thumbnail, and its
/// location data is removed. The answer's URLs are signed for the caller.
#[utoipa::path(
    tag = "files",
    operation_id = "uploadFile",
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "`上传成功`", body = Envelope<FileView>),
        (status = 400, response = BadRequest),      // 参数错误
        (status = 408, response = RequestTimeout),  // 请求超时
        (status = 413, response = FileTooLarge),    // 文件过大
        (status = 507, response = StorageFull),     // 存储空间不足
        SignedIn,
    )
)]
#[post("/auth/files", data = "<data>")]
async fn upload(
    me: AuthUser,
    content_type: Option<&ContentType>,
    data: Data<'_>,
    db: &State<Db>,
    media: &State<MediaStore>,
    config: &State<Config>,
    links: &State<Links>,
) -> ApiResult<FileView> {
    let boundary = content_type
        .filter(|t| t.is_form_data())
        .and_then(|t| multer::parse_boundary(t.to_string()).ok())
        .ok_or_else(|| Error::bad_request("须为 multipart/form-data"))?;
    let (incoming, name) = receive(data, &boundary, media, config).await?;
    let row = files::store(db, media, config, me.id, incoming, name).await?;
    created("上传成功", files::file_view(&links.for_viewer(me.id), &row))
}

/// Reads the multipart body, writing its `file` part to a temporary file: at most
/// `max_upload_bytes` (`413 文件过大` beyond), each piece within `body_timeout_secs`.
/// Whatever goes wrong, the temporary file is removed (dropping `Incoming`).
async fn receive(
    data: Data<'_>,
    boundary: &str,
    media: &MediaStore,
    config: &Config,
) -> Result<(Incoming, String), Error> {
    let max = config.max_upload_bytes;
    let idle = Duration::from_secs(config.body_timeout_secs);
    // Room for the part headers and other small fields around the file.
    let stream = data.open((max + 1024 * 1024).bytes());
    let mut multipart = multer::Multipart::with_reader(stream, boundary);
    let malformed = |_| Error::bad_request("multipart 格式错误");
    let io = |e: std::io::Error| Error::internal(format!("writing an upload: {e}"));
    let mut kept: Option<(Incoming, String)> = None;
    while let Some(mut field) = timeout(idle, multipart.next_field())
        .await
        .map_err(|_| Error::RequestTimeout)?
        .map_err(malformed)?
    {
        let wanted = field.name() == Some("file") && kept.is_none();
        let mut target = if wanted {
            let incoming = media.incoming().map_err(io)?;
            let file = rocket::tokio::fs::File::create(incoming.path())
                .await
                .map_err(io)?;
            Some((incoming, file))
        } else {
            None
        };
        let name = files::clean_name(field.file_name());
        let mut size: u64 = 0;
        while let Some(chunk) = timeout(idle, field.chunk())
            .await
            .map_err(|_| Error::RequestTimeout)?
            .map_err(malformed)?
        {
            if let Some((_, file)) = target.as_mut() {
                size += chunk.len() as u64;
                if size > max {
                    return Err(Error::FileTooLarge);
                }
                file.write_all(&chunk).await.map_err(io)?;
            }
        }
        if let Some((incoming, mut file)) = target {
            file.flush().await.map_err(io)?;
            file.sync_all().await.map_err(io)?;
            if size == 0 {
                return Err(Error::bad_request("文件为空"));
            }
            kept = Some((incoming, name));
        }
    }
    kept.ok_or_else(|| Error::bad_request("缺少 file"))
}

/// Who asks for a file: the viewer a valid signature names, else the bearer of a valid
/// token, else nobody (`404 文件不存在`, like an unknown file).
fn viewer(
    id: FileId,
    thumbnail: bool,
    signed: (Option<&str>, Option<&str>, Option<&str>),
    bearer: Option<AuthUser>,
    links: &Links,
    now: i64,
) -> Result<UserId, Error> {
    match signed {
        (Some(v), Some(exp), Some(sig)) => links
            .signer()
            .verify(id.0, thumbnail, v, exp, sig, now)
            .map(UserId)
            .ok_or(Error::FileNotFound),
        _ => bearer.map(|me| me.id).ok_or(Error::FileNotFound),
    }
}

/// The stored bytes of file `id` (or its thumbnail) for whoever asks, if they may.
#[allow(clippy::too_many_arguments)]
async fn serve(
    id: Given<FileId>,
    thumbnail: bool,
    signed: (Option<&str>, Option<&str>, Option<&str>),
    bearer: Option<AuthUser>,
    db: &Db,
    media: &MediaStore,
    links: &Links,
) -> Result<Opened, Error> {
    let id = id.known()?;
    let viewer = viewer(id, thumbnail, signed, bearer, links, db.clock().now_secs())?;
    let media = media.clone();
    files::fetchable(db, viewer, id, move |file| {
        let download = if thumbnail {
            let sha = file.thumb_sha256.ok_or(Error::FileNotFound)?;
            Download {
                path: media.path_of(&sha),
                mime: file.thumb_mime.unwrap_or_default(),
                etag: sha,
                disposition: Disposition::Inline,
            }
        } else {
            Download {
                path: media.path_of(&file.sha256),
                disposition: disposition_for(&file.mime, &file.name),
                mime: file.mime,
                etag: file.sha256,
            }
        };
        download.open()
    })
    .await
}

/// Download a file.
///
/// By the signed `url` from any response (`v`, `exp`, `sig`: no token in the URL), or with
/// `Authorization: Bearer` and no query. Allowed for the uploader and for current members of
/// a conversation holding a message with the file that is neither recalled nor deleted by
/// them. `Range` (one range) answers `206`.
#[utoipa::path(
    tag = "files",
    operation_id = "downloadFile",
    params(
        ("id" = String, Path, description = "The file (`f_…`)."),
        ("v" = Option<String>, Query, description = "The viewer the URL was signed for."),
        ("exp" = Option<String>, Query, description = "When the URL expires (seconds since the epoch)."),
        ("sig" = Option<String>, Query, description = "The signature."),
        ("Range" = Option<String>, Header, description = "One byte range, e.g. `bytes=0-1`."),
    ),
    responses(
        (status = 200, description = "The file's bytes, with its stored `Content-Type`.", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 206, description = "The requested range.", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 304, description = "Not modified (`If-None-Match`)."),
        (status = 404, response = FileNotFound),          // 文件不存在
        (status = 416, response = RangeNotSatisfiable),   // 请求范围无效
        (status = 500, response = ServerError),           // 服务器错误
    )
)]
#[get("/files/<id>?<v>&<exp>&<sig>")]
#[allow(clippy::too_many_arguments)]
async fn download(
    id: Given<FileId>,
    v: Option<&str>,
    exp: Option<&str>,
    sig: Option<&str>,
    bearer: Option<AuthUser>,
    db: &State<Db>,
    media: &State<MediaStore>,
    links: &State<Links>,
) -> Result<Opened, Error> {
    serve(id, false, (v, exp, sig), bearer, db, media, links).await
}

/// Download a file's thumbnail.
///
/// At most 400×400, upright, JPEG (PNG with transparency); for images chatd decoded. The
/// same access rule and signatures as the file itself.
#[utoipa::path(
    tag = "files",
    operation_id = "downloadThumbnail",
    params(
        ("id" = String, Path, description = "The file (`f_…`)."),
        ("v" = Option<String>, Query, description = "The viewer the URL was signed for."),
        ("exp" = Option<String>, Query, description = "When the URL expires (seconds since the epoch)."),
        ("sig" = Option<String>, Query, description = "The signature."),
    ),
    responses(
        (status = 200, description = "The thumbnail.", content_type = "image/jpeg", body = Vec<u8>),
        (status = 206, description = "The requested range.", content_type = "image/jpeg", body = Vec<u8>),
        (status = 304, description = "Not modified (`If-None-Match`)."),
        (status = 404, response = FileNotFound),          // 文件不存在
        (status = 416, response = RangeNotSatisfiable),   // 请求范围无效
        (status = 500, response = ServerError),           // 服务器错误
    )
)]
#[get("/files/<id>/thumbnail?<v>&<exp>&<sig>")]
#[allow(clippy::too_many_arguments)]
async fn thumbnail(
    id: Given<FileId>,
    v: Option<&str>,
    exp: Option<&str>,
    sig: Option<&str>,
    bearer: Option<AuthUser>,
    db: &State<Db>,
    media: &State<MediaStore>,
    links: &State<Links>,
) -> Result<Opened, Error> {
    serve(id, true, (v, exp, sig), bearer, db, media, links).await
}
