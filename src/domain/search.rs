//! Search (API.md §13): friends, groups and the conversations with matching messages at
//! once, and the matches of one conversation, paged. How messages are matched, and who may
//! see them, is `db::search`.

use std::collections::{HashMap, HashSet};

use serde::Serialize;
use utoipa::ToSchema;

use super::conversations::{list_items, ListItem};
use super::files::Links;
use super::friends::FriendView;
use super::member_of;
use super::render::{self, MessageView};
use super::validate::{page_limit, SearchText};
use crate::db::conversations::{self as convs, Kind};
use crate::db::search::{self as find, Needle};
use crate::db::{self, messages, Db};
use crate::error::Error;
use crate::ids::{ConversationId, MessageId, UserId};

/// At most this many friends, and groups, per search.
const PEOPLE_LIMIT: usize = 20;
/// At most this many conversations with matching messages.
const CONVERSATION_LIMIT: u32 = 50;

/// A conversation with matching messages.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConversationHit {
    pub conversation_id: ConversationId,
    /// As in the conversation list.
    #[schema(example = "妈妈")]
    pub title: String,
    #[serde(rename = "type")]
    pub kind: Kind,
    /// As in the conversation list.
    pub avatar_url: Option<String>,
    /// How many of its messages match, counted up to 100.
    #[schema(minimum = 1, maximum = 100)]
    pub match_count: i64,
    /// The newest matching message, as in the detail view.
    pub latest: MessageView,
}

/// Everything a search finds.
#[derive(Debug, Serialize, ToSchema)]
pub struct Found {
    /// Friends whose username or display name contains the text (at most 20, by username).
    pub friends: Vec<FriendView>,
    /// Groups whose name or another member's display name contains it (at most 20), as in
    /// the conversation list and in its order.
    pub groups: Vec<ListItem>,
    /// Conversations with matching messages (at most 50), the newest match first.
    pub conversations: Vec<ConversationHit>,
}

pub async fn everywhere(
    db: &Db,
    links: &Links,
    me: UserId,
    q: Option<&str>,
) -> Result<Found, Error> {
    let q = SearchText::parse(q)?;
    let contains = q.contains_pattern();
    let needle = Needle::for_text(q.as_str());
    let links = links.clone();
    db.read(move |conn| {
        let viewer_links = links.for_viewer(me);
        let friends = db::friends::search(conn, me, &contains, PEOPLE_LIMIT as u32)?
            .into_iter()
            .map(|f| FriendView::of(f, &viewer_links))
            .collect();
        let named: HashSet<ConversationId> =
            find::groups(conn, me, &contains)?.into_iter().collect();
        let matches = find::conversations(conn, &needle, me, CONVERSATION_LIMIT)?;
        let latest_ids: Vec<MessageId> = matches.iter().map(|m| m.latest).collect();
        let latest = render::messages_for(conn, me, messages::by_ids(conn, &latest_ids)?, &links)?;
        let mut latest: HashMap<MessageId, MessageView> =
            latest.into_iter().map(|view| (view.id, view)).collect();
        // List items of just the conversations shown.
        let shown: Vec<ConversationId> = matches
            .iter()
            .map(|m| m.conversation)
            .chain(named.iter().copied())
            .collect();
        let list = list_items(conn, me, Some(&shown), &links)?;
        let by_id: HashMap<ConversationId, &ListItem> =
            list.iter().map(|i| (i.conversation_id, i)).collect();
        let conversations = matches
            .into_iter()
            .filter_map(|m| {
                let item = by_id.get(&m.conversation)?;
                Some(ConversationHit {
                    conversation_id: m.conversation,
                    title: item.title.clone(),
                    kind: item.kind,
                    avatar_url: item.avatar_url.clone(),
                    match_count: m.count,
                    latest: latest.remove(&m.latest)?,
                })
            })
            .collect();
        let groups = list
            .into_iter()
            .filter(|i| i.kind == Kind::Group && named.contains(&i.conversation_id))
            .take(PEOPLE_LIMIT)
            .collect();
        Ok(Found {
            friends,
            groups,
            conversations,
        })
    })
    .await
}

/// Query parameters of a conversation's search, still raw.
#[derive(Debug, Default)]
pub struct InConversation<'a> {
    pub q: Option<&'a str>,
    pub before: Option<&'a str>,
    pub limit: Option<&'a str>,
}

/// Matching messages of one conversation, newest first, as the detail view shows them.
pub async fn in_conversation(
    db: &Db,
    links: &Links,
    me: UserId,
    id: ConversationId,
    query: InConversation<'_>,
) -> Result<Vec<MessageView>, Error> {
    let q = SearchText::parse(query.q)?;
    let needle = Needle::for_text(q.as_str());
    let limit = page_limit(query.limit, 20, 100)?;
    let before = query
        .before
        .map(|raw| {
            MessageId::parse(raw).ok_or_else(|| Error::bad_request("before 不是有效的消息 id"))
        })
        .transpose()?;
    let links = links.clone();
    db.read(move |conn| {
        member_of(conn, id, me)?;
        if let Some(before) = before {
            if !convs::has_message(conn, id, before)? {
                return Err(Error::bad_request("before 不是此会话的消息"));
            }
        }
        let rows = find::in_conversation(conn, &needle, me, id, before, limit)?;
        render::messages_for(conn, me, rows, &links)
    })
    .await
}
