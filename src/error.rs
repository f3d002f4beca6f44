//! The one error type and the one place that knows every status/message pair of the
//! contract. Handlers return `ApiResult<T>`; Rocket's catchers answer with the same envelope,
//! so no request ever sees Rocket's HTML error page.

use std::borrow::Cow;
use std::io::Cursor;

use rocket::http::{ContentType, Status};
use rocket::request::Request;
use rocket::response::{self, Responder, Response};
use rocket::serde::json::serde_json;
use serde::Serialize;

/// Every outcome of the contract that is not a success.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// `400 参数错误`, optionally followed by `：reason`.
    #[error("参数错误")]
    BadRequest(Option<String>),
    /// `400 发送失败`, optionally followed by `：reason` (sending a message).
    #[error("发送失败")]
    SendFailed(Option<String>),
    #[error("未授权")]
    Unauthorized,
    #[error("用户名或密码错误")]
    BadCredentials,
    #[error("无权限")]
    Forbidden,
    #[error("注册已关闭")]
    RegistrationClosed,
    #[error("原密码错误")]
    WrongOldPassword,
    #[error("对方不是你的好友")]
    NotFriends,
    #[error("不可撤回（超时或无权限）")]
    RecallRefused,
    #[error("用户不存在")]
    UserNotFound,
    #[error("会话不存在")]
    ConversationNotFound,
    #[error("消息不存在")]
    MessageNotFound,
    #[error("请求不存在")]
    FriendRequestNotFound,
    /// `404 文件不存在`: unknown, malformed, not the viewer's to see, or a URL whose
    /// signature is forged or expired (all the same answer).
    #[error("文件不存在")]
    FileNotFound,
    /// `413 文件过大`: an upload beyond `max_upload_bytes` (nothing of it is kept).
    #[error("文件过大")]
    FileTooLarge,
    #[error("接口不存在")]
    RouteNotFound,
    #[error("用户名已存在")]
    UsernameTaken,
    #[error("已经是好友")]
    AlreadyFriends,
    #[error("请求体过大")]
    PayloadTooLarge,
    /// `416 请求范围无效`: a download's `Range` that no byte of the file satisfies.
    #[error("请求范围无效")]
    RangeNotSatisfiable,
    /// `408 请求超时`: the body did not arrive within `body_timeout_secs`.
    #[error("请求超时")]
    RequestTimeout,
    #[error("尝试次数过多，请稍后再试")]
    TooManyLoginAttempts,
    #[error("请求过于频繁")]
    TooManyRequests,
    /// `429 请求过于频繁` with `Retry-After` (seconds): a rate limit, a full queue, a cap.
    #[error("请求过于频繁")]
    RateLimited(u32),
    /// `507 存储空间不足`: the disk is below its reserve, so writes that add data wait.
    #[error("存储空间不足")]
    StorageFull,
    /// `500 服务器错误`; the detail is logged, never sent.
    #[error("服务器错误")]
    Internal(String),
}

pub type ApiResult<T> = Result<Success<T>, Error>;

impl Error {
    pub fn bad_request(reason: impl Into<String>) -> Error {
        Error::BadRequest(Some(reason.into()))
    }

    pub fn send_failed(reason: impl Into<String>) -> Error {
        Error::SendFailed(Some(reason.into()))
    }

    pub fn internal(detail: impl std::fmt::Display) -> Error {
        Error::Internal(detail.to_string())
    }

    pub fn status(&self) -> Status {
        use Error::*;
        match self {
            BadRequest(_) | SendFailed(_) => Status::BadRequest,
            Unauthorized | BadCredentials => Status::Unauthorized,
            Forbidden | RegistrationClosed | WrongOldPassword | NotFriends | RecallRefused => {
                Status::Forbidden
            }
            UserNotFound
            | ConversationNotFound
            | MessageNotFound
            | FriendRequestNotFound
            | FileNotFound
            | RouteNotFound => Status::NotFound,
            UsernameTaken | AlreadyFriends => Status::Conflict,
            PayloadTooLarge | FileTooLarge => Status::PayloadTooLarge,
            RangeNotSatisfiable => Status::RangeNotSatisfiable,
            RequestTimeout => Status::RequestTimeout,
            TooManyLoginAttempts | TooManyRequests | RateLimited(_) => Status::TooManyRequests,
            StorageFull => Status::InsufficientStorage,
            Internal(_) => Status::InternalServerError,
        }
    }

    /// The contract's message, with the optional reason after a full-width colon.
    pub fn message(&self) -> Cow<'static, str> {
        match self {
            Error::BadRequest(Some(reason)) => format!("参数错误：{reason}").into(),
            Error::SendFailed(Some(reason)) => format!("发送失败：{reason}").into(),
            other => Cow::Owned(other.to_string()),
        }
    }

    /// For the operator (command-line output and logs): the internal detail where there is
    /// one, else the contract's message. Never sent to a client.
    pub fn describe(&self) -> String {
        match self {
            Error::Internal(detail) => detail.clone(),
            other => other.message().into_owned(),
        }
    }

    /// The envelope for a status that reached a catcher without one of our errors.
    pub fn from_status(status: Status) -> Error {
        match status.code {
            400 | 422 => Error::BadRequest(None),
            401 => Error::Unauthorized,
            403 => Error::Forbidden,
            404 => Error::RouteNotFound,
            408 => Error::RequestTimeout,
            413 => Error::PayloadTooLarge,
            416 => Error::RangeNotSatisfiable,
            429 => Error::TooManyRequests,
            507 => Error::StorageFull,
            _ => Error::Internal(format!("unhandled status {status}")),
        }
    }
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        Error::Internal(format!("sqlite: {e}"))
    }
}

impl From<r2d2::Error> for Error {
    fn from(e: r2d2::Error) -> Self {
        Error::Internal(format!("pool: {e}"))
    }
}

/// Every response under `/api/` (except the OpenAPI document and the event streams) is this
/// envelope; the HTTP status equals `code`.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Envelope<'a, T> {
    /// Equals the HTTP status.
    #[schema(example = 200)]
    pub code: u16,
    /// `success`, or the operation's Chinese message.
    #[schema(example = "success")]
    pub message: &'a str,
    /// The payload; `null` when there is nothing to return (and always for an error).
    pub data: T,
}

/// The `data` of an error, or of a success that returns nothing: always `null`. (Only the
/// OpenAPI document names it; the handlers return `()`, which serde writes as `null` too.)
pub struct Null;

impl utoipa::PartialSchema for Null {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::Null)
            .description(Some("Always `null`."))
            .into()
    }
}

impl utoipa::ToSchema for Null {}

/// Builds the JSON envelope response; the HTTP status always equals `code`.
fn envelope<T: Serialize>(status: Status, message: &str, data: T) -> Response<'static> {
    let body = serde_json::to_vec(&Envelope {
        code: status.code,
        message,
        data,
    })
    .unwrap_or_else(|_| {
        r#"{"code":500,"message":"服务器错误","data":null}"#
            .as_bytes()
            .to_vec()
    });
    whole_body(
        Response::build().status(status).header(ContentType::JSON),
        body,
    )
    .finalize()
}

/// Sets bytes already in memory as the body, handed to the connection in one piece of their
/// own size: Rocket's default 4 KiB pieces cost a hand-off to the connection's task and a
/// write each (71 for a list of 1,000 conversations). Every in-memory answer goes through
/// here: the JSON envelope, the web client's files, media read whole.
pub fn whole_body<'r, 'b, B>(
    response: &'b mut response::Builder<'r>,
    bytes: B,
) -> &'b mut response::Builder<'r>
where
    B: AsRef<[u8]> + Unpin + Send + 'r,
{
    let len = bytes.as_ref().len();
    // The piece size is set after the body: setting a body resets it.
    response
        .sized_body(len, Cursor::new(bytes))
        .max_chunk_size(len.max(1))
}

impl<'r> Responder<'r, 'static> for Error {
    fn respond_to(self, req: &'r Request<'_>) -> response::Result<'static> {
        if let Error::Internal(detail) = &self {
            tracing::error!(method = %req.method(), path = %req.uri().path(), "internal error: {detail}");
        }
        let mut response = envelope(self.status(), &self.message(), ());
        if let Error::RateLimited(secs) = self {
            response.set_raw_header("Retry-After", secs.to_string());
        }
        Ok(response)
    }
}

/// A successful answer: status, the contract's message and the data.
#[derive(Debug)]
pub struct Success<T> {
    pub status: Status,
    pub message: &'static str,
    pub data: T,
}

impl<'r, T: Serialize> Responder<'r, 'static> for Success<T> {
    fn respond_to(self, _: &'r Request<'_>) -> response::Result<'static> {
        Ok(envelope(self.status, self.message, self.data))
    }
}

/// `200 "success"` with data.
pub fn ok<T>(data: T) -> ApiResult<T> {
    Ok(Success {
        status: Status::Ok,
        message: "success",
        data,
    })
}

/// `200` with the contract's message.
pub fn ok_msg<T>(message: &'static str, data: T) -> ApiResult<T> {
    Ok(Success {
        status: Status::Ok,
        message,
        data,
    })
}

/// `201` with the contract's message.
pub fn created<T>(message: &'static str, data: T) -> ApiResult<T> {
    Ok(Success {
        status: Status::Created,
        message,
        data,
    })
}

/// Where a failing guard leaves its precise error for the catcher to render.
#[derive(Default)]
pub struct GuardError(pub std::sync::Mutex<Option<Error>>);

impl GuardError {
    pub fn stash(req: &Request<'_>, error: Error) -> Status {
        let status = error.status();
        if let Ok(mut slot) = req.local_cache(GuardError::default).0.lock() {
            *slot = Some(error);
        }
        status
    }
}

/// Every error status Rocket produces itself (no route, failed guard, body too large, a
/// panic in a handler) becomes the envelope here.
#[rocket::catch(default)]
pub fn default_catcher(status: Status, req: &Request<'_>) -> Error {
    let stashed = req
        .local_cache(GuardError::default)
        .0
        .lock()
        .ok()
        .and_then(|mut slot| slot.take());
    stashed.unwrap_or_else(|| Error::from_status(status))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_goes_to_the_connection_in_one_piece_of_its_own_size() {
        let data = vec!["消息"; 5_000];
        let response = envelope(Status::Ok, "success", &data);
        let size = response.body().preset_size().expect("sized");
        assert!(size > 4096, "larger than Rocket's default piece");
        assert_eq!(response.body().max_chunk_size(), size);
        let empty = envelope(Status::Ok, "success", ());
        assert!(empty.body().max_chunk_size() >= 1);
    }
}
