//! Uploading files (API.md §12): `POST /api/auth/files`, multipart, streamed to disk.

use std::time::Duration;

use rocket::data::{Data, ToByteUnit};
use rocket::http::ContentType;
use rocket::tokio::io::AsyncWriteExt;
use rocket::tokio::time::timeout;
use rocket::{post, routes, Route, State};
use utoipa::{OpenApi, ToSchema};

use super::docs::responses::{
    BadRequest, FileTooLarge, RequestTimeout, ServerError, StorageFull, Unauthorized,
};
use crate::auth::AuthUser;
use crate::config::Config;
use crate::db::Db;
use crate::domain::files::{self, FileView, Links};
use crate::error::{created, ApiResult, Envelope, Error};
use crate::media::store::{Incoming, MediaStore};

pub fn routes() -> Vec<Route> {
    routes![upload]
}

/// These routes in the OpenAPI document.
pub(super) fn api() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(upload))]
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
        (status = 401, response = Unauthorized),    // 未授权
        (status = 408, response = RequestTimeout),  // 请求超时
        (status = 413, response = FileTooLarge),    // 文件过大
        (status = 500, response = ServerError),     // 服务器错误
        (status = 507, response = StorageFull),     // 存储空间不足
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
