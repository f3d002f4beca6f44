//! The error responses the routes share, as `components/responses` of the OpenAPI document.
//! Each is built from the `Error` values it stands for, so its status and Chinese message(s)
//! are the ones `crate::error` answers with; a handler lists the ones it can give, e.g.
//! `(status = 404, response = ConversationNotFound)`, and the sets its kind of route answers
//! (`SignedIn`, `JsonBody`).

use serde_json::json;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::schema::{AllOfBuilder, ObjectBuilder, Type};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Response, ResponseBuilder};

use crate::error::Error;

/// The name of the error envelope's schema in `components/schemas`.
pub const ERROR_SCHEMA: &str = "Error";

macro_rules! error_responses {
    ($($name:ident = [$($error:expr),+ $(,)?], $description:literal;)+) => {
        $(
            #[doc = $description]
            pub struct $name;

            impl<'r> utoipa::ToResponse<'r> for $name {
                fn response() -> (&'r str, RefOr<Response>) {
                    (stringify!($name), error_response($description, &[$($error),+]).into())
                }
            }
        )+

        /// Every shared error response, for `components/responses`.
        pub fn all() -> Vec<(&'static str, Response)> {
            vec![$((stringify!($name), error_response($description, &[$($error),+]))),+]
        }
    };
}

/// Sets of the shared error responses that whole kinds of routes answer, listed in a
/// route's `responses(...)` by name beside its own, e.g. `responses((status = 200, …),
/// SignedIn, JsonBody)`: one home for what every signed-in route and every JSON body can
/// answer.
macro_rules! response_sets {
    ($($(#[$doc:meta])* $set:ident = [$($status:literal => $name:ident),+ $(,)?];)+) => {
        $(
            $(#[$doc])*
            pub struct $set;

            impl utoipa::IntoResponses for $set {
                fn responses() -> std::collections::BTreeMap<String, RefOr<Response>> {
                    // Each name is one of the responses above (a typo does not compile).
                    $(let _ = $name;)+
                    [$(($status, stringify!($name))),+]
                        .into_iter()
                        .map(|(status, name)| {
                            (status.to_string(), RefOr::Ref(Ref::from_response_name(name)))
                        })
                        .collect()
                }
            }
        )+
    };
}

response_sets! {
    /// Every route behind a token: `401 未授权`, `500 服务器错误`.
    SignedIn = ["401" => Unauthorized, "500" => ServerError];
    /// Every route that reads a JSON body: `400 参数错误`, `408 请求超时`, `413 请求体过大`.
    JsonBody = ["400" => BadRequest, "408" => RequestTimeout, "413" => PayloadTooLarge];
}

error_responses! {
    BadRequest = [Error::BadRequest(None)],
        "`参数错误` — unparsable JSON, a missing field, a wrong type or an invalid value; a reason may follow after `参数错误：` (e.g. `参数错误：字段缺失或类型错误`).";
    SendFailed = [Error::SendFailed(None), Error::BadRequest(None)],
        "`发送失败` — invalid content or `client_msg_id` (a reason may follow after `发送失败：`); `参数错误` — unparsable JSON, a missing field or a wrong type.";
    Unauthorized = [Error::Unauthorized],
        "`未授权` — the token (or ticket) is missing, malformed, expired, tampered with or revoked.";
    BadCredentials = [Error::BadCredentials],
        "`用户名或密码错误` — the same answer whether the user exists or not.";
    Forbidden = [Error::Forbidden],
        "`无权限` — only the owner may do this: remove another member, set the announcement.";
    RegistrationClosed = [Error::RegistrationClosed],
        "`注册已关闭` — the server runs with `allow_registration = false`.";
    WrongOldPassword = [Error::WrongOldPassword],
        "`原密码错误` — the old password is wrong.";
    NotFriends = [Error::NotFriends],
        "`对方不是你的好友` — friendship is required (`require_friendship = true`) and missing.";
    RecallRefused = [Error::RecallRefused],
        "`不可撤回（超时或无权限）` — not the sender, not a normal message, or outside `recall_window_secs`.";
    UserNotFound = [Error::UserNotFound],
        "`用户不存在` — a malformed or unknown user id.";
    ConversationNotFound = [Error::ConversationNotFound],
        "`会话不存在` — a malformed or unknown conversation, or one the caller is not a member of.";
    FileNotFound = [Error::FileNotFound],
        "`文件不存在` — a malformed or unknown file id, one the caller may not fetch, or an expired or forged signature.";
    RangeNotSatisfiable = [Error::RangeNotSatisfiable],
        "`请求范围无效` — the `Range` starts at or past the end of the file (`Content-Range: bytes */size`).";
    FileTooLarge = [Error::FileTooLarge],
        "`文件过大` — the upload is larger than `max_upload_bytes`; nothing of it is kept.";
    MessageNotFound = [Error::MessageNotFound],
        "`消息不存在` — a malformed or unknown message, or one outside the caller's conversations.";
    FriendRequestNotFound = [Error::FriendRequestNotFound],
        "`请求不存在` — unknown, malformed, not addressed to the caller, or already answered.";
    ConversationOrUserNotFound = [Error::ConversationNotFound, Error::UserNotFound],
        "`会话不存在` — the caller is not a member of the conversation; `用户不存在` — a malformed or unknown user.";
    ConversationOrMessageNotFound = [Error::ConversationNotFound, Error::MessageNotFound],
        "`会话不存在` — the caller is not a member of the conversation; `消息不存在` — `message_id` is malformed, unknown or in another conversation.";
    UsernameTaken = [Error::UsernameTaken],
        "`用户名已存在` — the username is taken (ignoring case).";
    AlreadyFriends = [Error::AlreadyFriends],
        "`已经是好友` — already friends.";
    RequestTimeout = [Error::RequestTimeout],
        "`请求超时` — the request body did not arrive within `body_timeout_secs`.";
    PayloadTooLarge = [Error::PayloadTooLarge],
        "`请求体过大` — the body is over 64 KiB.";
    TooManyLoginAttempts = [Error::TooManyLoginAttempts, Error::RateLimited(1)],
        "`尝试次数过多，请稍后再试` — 10 failed attempts for this username within 15 minutes (API.md §2); or `请求过于频繁` with `Retry-After` — the per-address login limit or a full password-hashing queue.";
    TooManyRequests = [Error::TooManyRequests],
        "`请求过于频繁` — a rate limit, a full password-hashing queue or the per-user stream cap (README, \"Limits\"); nothing was done. `Retry-After` says when to try again.";
    ServerError = [Error::Internal(String::new())],
        "`服务器错误` — no internals are revealed.";
    StorageFull = [Error::StorageFull],
        "`存储空间不足` — the database's disk is below its free-space reserve (`min_free_disk_mb`); nothing was written. Reads, logins and deletes still work.";
}

/// The error envelope narrowed to one status and its messages. `参数错误` and `发送失败` may
/// carry a reason after `：`, so their messages are a pattern rather than a list.
fn error_response(description: &str, errors: &[Error]) -> Response {
    let status = errors.first().map_or(500, |e| e.status().code);
    debug_assert!(errors.iter().all(|e| e.status().code == status));
    let messages: Vec<String> = errors.iter().map(|e| e.message().into_owned()).collect();
    let with_reason = errors
        .iter()
        .any(|e| matches!(e, Error::BadRequest(_) | Error::SendFailed(_)));
    let message = if with_reason {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some(format!("^({})(：.+)?$", messages.join("|"))))
    } else {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(messages.clone()))
    };
    let schema = AllOfBuilder::new()
        .item(Ref::from_schema_name(ERROR_SCHEMA))
        .item(super::code_and_message(status, message));
    let example = |message: &str| json!({"code": status, "message": message, "data": null});
    let mut content = ContentBuilder::new().schema(Some(schema));
    if let [message] = messages.as_slice() {
        content = content.example(Some(example(message)));
    } else {
        content = content.examples_from_iter(messages.iter().map(|message| {
            let value = utoipa::openapi::example::ExampleBuilder::new()
                .summary(message.clone())
                .value(Some(example(message)));
            (message.clone(), value)
        }));
    }
    let mut response = ResponseBuilder::new()
        .description(description)
        .content("application/json", content.build());
    if status == 429 {
        let seconds = ObjectBuilder::new()
            .schema_type(Type::Integer)
            .minimum(Some(1));
        response = response.header(
            "Retry-After",
            HeaderBuilder::new()
                .schema(seconds)
                .description(Some(
                    "Sent with `请求过于频繁`: seconds to wait (at least 1).",
                ))
                .build(),
        );
    }
    response.build()
}
