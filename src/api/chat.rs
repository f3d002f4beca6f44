//! What a member does to their own view of a chat (API.md §14): clear its history, remove it
//! from the list.

use rocket::{delete, routes, Route, State};
use utoipa::OpenApi;

use super::docs::responses::{ConversationNotFound, ServerError, Unauthorized};
use crate::auth::AuthUser;
use crate::db::Db;
use crate::domain::history::{self, Clearing};
use crate::error::{ok_msg, ApiResult, Envelope, Null};
use crate::ids::{ConversationId, Given};

pub fn routes() -> Vec<Route> {
    routes![clear_history, remove_from_list]
}

/// These routes in the OpenAPI document.
pub(super) fn api() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(clear_history, remove_from_list))]
    struct Api;
    Api::openapi()
}

/// Clear the history for the caller only (清空聊天记录).
///
/// Every message up to now disappears for the caller (as delete-for-me, in constant time at
/// any volume); the others see no change. The caller's devices get `conversation.updated`
/// with `cleared_upto`.
#[utoipa::path(
    tag = "conversations",
    operation_id = "clearHistory",
    params(("id" = String, Path, description = "The conversation id (`c_…`); a malformed or unknown id is `404 会话不存在`.")),
    responses(
        (status = 200, description = "`已清空`", body = Envelope<Null>,
            example = json!({"code": 200, "message": "已清空", "data": null})),
        (status = 401, response = Unauthorized),         // 未授权
        (status = 404, response = ConversationNotFound), // 会话不存在
        (status = 500, response = ServerError),          // 服务器错误
    )
)]
#[delete("/auth/conversations/<id>/messages")]
async fn clear_history(me: AuthUser, id: Given<ConversationId>, db: &State<Db>) -> ApiResult<()> {
    history::clear(db, me.id, id.known()?, Clearing::History).await?;
    ok_msg("已清空", ())
}

/// Remove a chat from the caller's list (删除聊天).
///
/// Its history is cleared for the caller as above and it leaves their list (unpinned); the
/// caller stays a member, and the next message in it brings it back.
#[utoipa::path(
    tag = "conversations",
    operation_id = "removeFromList",
    params(("id" = String, Path, description = "The conversation id (`c_…`); a malformed or unknown id is `404 会话不存在`.")),
    responses(
        (status = 200, description = "`已删除`", body = Envelope<Null>,
            example = json!({"code": 200, "message": "已删除", "data": null})),
        (status = 401, response = Unauthorized),         // 未授权
        (status = 404, response = ConversationNotFound), // 会话不存在
        (status = 500, response = ServerError),          // 服务器错误
    )
)]
#[delete("/auth/conversations/<id>")]
async fn remove_from_list(
    me: AuthUser,
    id: Given<ConversationId>,
    db: &State<Db>,
) -> ApiResult<()> {
    history::clear(db, me.id, id.known()?, Clearing::FromList).await?;
    ok_msg("已删除", ())
}
