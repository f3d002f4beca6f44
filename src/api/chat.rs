//! What a member does in a chat besides sending (API.md §14): say they are typing, clear
//! the history, remove the chat from the list.

use rocket::{delete, post, routes, Route, State};
use utoipa::OpenApi;

use super::docs::responses::{ConversationNotFound, SignedIn};
use crate::auth::AuthUser;
use crate::db::Db;
use crate::domain::history::{self, Clearing};
use crate::error::{ok_msg, ApiResult, Envelope, Null};
use crate::events::typing::{self, Typing};
use crate::events::Hub;
use crate::ids::{ConversationId, Given};

pub fn routes() -> Vec<Route> {
    routes![typing_now, clear_history, remove_from_list]
}

/// These routes in the OpenAPI document.
pub(super) fn api() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(typing_now, clear_history, remove_from_list))]
    struct Api;
    Api::openapi()
}

/// Say the caller is typing (正在输入).
///
/// The other members' open event streams get `typing` `{conversation_id, user_id}`: never
/// stored, never replayed, at most one per user and conversation every 3 seconds (more
/// are accepted with `200` and dropped). A client sends it while the user types and shows
/// the others' for a few seconds.
#[utoipa::path(
    tag = "conversations",
    operation_id = "typing",
    params(("id" = String, Path, description = "The conversation id (`c_…`); a malformed or unknown id is `404 会话不存在`.")),
    responses(
        (status = 200, description = "`success`", body = Envelope<Null>,
            example = json!({"code": 200, "message": "success", "data": null})),
        (status = 404, response = ConversationNotFound), // 会话不存在
        SignedIn,
    )
)]
#[post("/auth/conversations/<id>/typing")]
async fn typing_now(
    me: AuthUser,
    id: Given<ConversationId>,
    db: &State<Db>,
    hub: &State<Hub>,
    state: &State<Typing>,
) -> ApiResult<()> {
    typing::typing(db, hub, state, me.id, id.known()?).await?;
    ok_msg("success", ())
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
        (status = 404, response = ConversationNotFound), // 会话不存在
        SignedIn,
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
        (status = 404, response = ConversationNotFound), // 会话不存在
        SignedIn,
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
