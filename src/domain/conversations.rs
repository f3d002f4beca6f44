//! The conversation list, the detail view and creating conversations (API.md §5).

use std::collections::HashMap;

use rusqlite::Connection;
use serde::Serialize;
use utoipa::ToSchema;

use super::files::Links;
use super::members;
use super::pages::{Key, PageCache, PageJson};
use super::render::{self, MessageView};
use super::validate::{page_limit, GroupName};
use crate::config::Config;
use crate::db::conversations::{self as convs, Kind, Role};
use crate::db::events::{self, kind, NewEvent};
use crate::db::messages::{self, Cursor, Status};
use crate::db::{self, Db};
use crate::error::Error;
use crate::ids::{ConversationId, Given, MessageId, UserId};
use crate::time::rfc3339_ms;

const PREVIEW_CHARS: usize = 100;

/// A conversation as shown in the list. The list is ordered pinned first, then
/// `last_message_time` newest first, then `conversation_id`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ListItem {
    pub conversation_id: ConversationId,
    /// The other member's display name (private) or the group name (group).
    #[schema(example = "张三")]
    pub title: String,
    /// The newest message the caller can see, rendered for the caller, cut to 100
    /// characters; `""` when there is none.
    #[schema(max_length = 100, example = "你好，今天有空吗？")]
    pub last_message_preview: String,
    /// Who sent that message, when it is a normal message: their current display name, or
    /// `我` for the caller; `null` for a system or recalled message, or none (a group's list
    /// row shows `李四: …`).
    #[schema(example = "李四")]
    pub last_message_sender_name: Option<String>,
    /// Time of that message, or the conversation's creation time when it has none.
    #[schema(value_type = crate::time::Timestamp)]
    pub last_message_time: String,
    #[schema(minimum = 0, example = 2)]
    pub unread_count: i64,
    pub is_pinned: bool,
    /// 消息免打扰: muted by the caller (the unread count still counts).
    pub is_muted: bool,
    /// An unread message mentions the caller or everyone (the list shows `[有人@我]`);
    /// false once the read marker passes it.
    pub mentioned: bool,
    #[serde(rename = "type")]
    pub kind: Kind,
    #[schema(minimum = 1, example = 2)]
    pub member_count: i64,
    /// The other member's avatar (private) or the group's (group): a thumbnail URL signed
    /// for the caller, or `null`.
    pub avatar_url: Option<String>,
}

/// The caller's conversation list, as JSON: served from `cache` while nothing has been
/// committed since it was made (`super::pages`), else made by `list_items` in a few queries
/// however many conversations there are.
pub async fn list(
    db: &Db,
    cache: &PageCache,
    me: UserId,
    links: &Links,
) -> Result<PageJson, Error> {
    // Read before the read transaction begins: a commit after this makes the list stale.
    let generation = db.generation();
    let links = links.clone();
    cache
        .get_or_make(Key::List(me), generation, || {
            db.read(move |conn| PageJson::of(&list_items(conn, me, None, &links)?))
        })
        .await
}

/// A conversation's info (API.md §14): its list item's facts and what the list leaves out.
#[derive(Debug, Serialize, ToSchema)]
pub struct Info {
    pub conversation_id: ConversationId,
    #[serde(rename = "type")]
    pub kind: Kind,
    /// As in the list.
    #[schema(example = "相亲相爱一家人")]
    pub title: String,
    pub avatar_url: Option<String>,
    /// A group's announcement (群公告), or `null`.
    pub announcement: Option<String>,
    /// A group's owner; `null` for a private chat.
    #[schema(value_type = Option<String>, example = "u_1")]
    pub owner_id: Option<UserId>,
    #[schema(minimum = 1, example = 3)]
    pub member_count: i64,
    pub is_pinned: bool,
    pub is_muted: bool,
    #[schema(value_type = crate::time::Timestamp)]
    pub created_at: String,
}

pub async fn info(db: &Db, me: UserId, id: ConversationId, links: &Links) -> Result<Info, Error> {
    let links = links.clone();
    db.read(move |conn| {
        super::member_of(conn, id, me)?;
        let item = list_items(conn, me, Some(&[id]), &links)?
            .pop()
            .ok_or(Error::ConversationNotFound)?;
        let (created_at, announcement, owner) = convs::info_extras(conn, id)?;
        Ok(Info {
            conversation_id: id,
            kind: item.kind,
            title: item.title,
            avatar_url: item.avatar_url,
            announcement,
            owner_id: owner.filter(|_| item.kind == Kind::Group),
            member_count: item.member_count,
            is_pinned: item.is_pinned,
            is_muted: item.is_muted,
            created_at: rfc3339_ms(created_at),
        })
    })
    .await
}

/// The list (or, with `only`, the entries of those conversations), sorted: pinned first, then
/// newest by the shown whole-second time; within one second the newer message id wins (ids,
/// not clocks, decide order), then the conversation id.
pub fn list_items(
    conn: &Connection,
    me: UserId,
    only: Option<&[ConversationId]>,
    links: &Links,
) -> Result<Vec<ListItem>, Error> {
    let rows = convs::list_for_user(conn, me, only)?;
    let last_ids: Vec<MessageId> = rows.iter().filter_map(|r| r.last_message_id).collect();
    let last = messages::by_ids(conn, &last_ids)?;
    let times: Vec<i64> = last.iter().map(|m| m.created_at).collect();
    let last: HashMap<MessageId, (i64, MessageView)> = render::messages_for(conn, me, last, links)?
        .into_iter()
        .zip(times)
        .map(|(view, at)| (view.id, (at, view)))
        .collect();
    let viewer_links = links.for_viewer(me);
    let mut items: Vec<((i64, i64), ListItem)> = rows
        .into_iter()
        .map(|row| {
            let newest = row.last_message_id.and_then(|id| last.get(&id));
            let (sort_ms, preview) = match newest {
                Some((at, view)) => (*at, render::preview_of(view, PREVIEW_CHARS)),
                None => (row.created_at, String::new()),
            };
            let sender = newest
                .filter(|(_, view)| view.status == Status::Normal)
                .map(|(_, view)| view.sender_name.clone());
            let title = match row.kind {
                Kind::Group => row.name.unwrap_or_default(),
                Kind::Private => row.other_name.unwrap_or_default(),
            };
            let newest_id = row.last_message_id.map_or(0, |m| m.0);
            let item = ListItem {
                conversation_id: row.id,
                title,
                last_message_preview: preview,
                last_message_sender_name: sender,
                last_message_time: rfc3339_ms(sort_ms),
                unread_count: row.unread_count,
                is_pinned: row.is_pinned,
                is_muted: row.is_muted,
                mentioned: row.mentioned,
                kind: row.kind,
                member_count: row.member_count,
                avatar_url: viewer_links.avatar(row.avatar),
            };
            ((sort_ms / 1000, newest_id), item)
        })
        .collect();
    items.sort_by(|(a_key, a), (b_key, b)| {
        b.is_pinned
            .cmp(&a.is_pinned)
            .then(b_key.cmp(a_key))
            .then(a.conversation_id.cmp(&b.conversation_id))
    });
    Ok(items.into_iter().map(|(_, item)| item).collect())
}

/// Query parameters of the detail view, still raw.
#[derive(Debug, Default)]
pub struct PageQuery<'a> {
    pub limit: Option<&'a str>,
    pub before: Option<&'a str>,
    pub after: Option<&'a str>,
    pub around: Option<&'a str>,
}

/// Where a requested page lies.
#[derive(Debug, Clone, Copy)]
pub enum Position {
    Page(Cursor),
    /// Centred on this message (opening a search result).
    Around(MessageId),
}

pub fn parse_position(q: &PageQuery<'_>) -> Result<(Position, u32), Error> {
    let Some(raw) = q.around else {
        let (cursor, limit) = parse_page(q)?;
        return Ok((Position::Page(cursor), limit));
    };
    if q.before.is_some() || q.after.is_some() {
        return Err(Error::bad_request("around 不能与 before、after 同时使用"));
    }
    let (_, limit) = parse_page(q)?;
    let id = MessageId::parse(raw).ok_or_else(|| Error::bad_request("around 不是有效的消息 id"))?;
    Ok((Position::Around(id), limit))
}

pub fn parse_page(q: &PageQuery<'_>) -> Result<(Cursor, u32), Error> {
    let limit = page_limit(q.limit, 50, 200)?;
    let id = |raw: &str, name: &str| {
        MessageId::parse(raw).ok_or_else(|| Error::bad_request(format!("{name} 不是有效的消息 id")))
    };
    let cursor = match (q.before, q.after) {
        (Some(_), Some(_)) => return Err(Error::bad_request("before 与 after 不能同时使用")),
        (Some(b), None) => Cursor::Before(id(b, "before")?),
        (None, Some(a)) => Cursor::After(id(a, "after")?),
        (None, None) => Cursor::Newest,
    };
    Ok((cursor, limit))
}

/// A page of messages for the caller, as JSON. Reading a page that is not older history (no
/// `before`) moves the caller's read marker to its newest message (only ever forward). The
/// newest page is served from `cache` while nothing has been committed since it was made
/// (`super::pages`).
pub async fn messages(
    db: &Db,
    cache: &PageCache,
    me: UserId,
    id: ConversationId,
    query: PageQuery<'_>,
    links: &Links,
) -> Result<PageJson, Error> {
    let (cursor, limit) = match parse_position(&query)? {
        (Position::Page(cursor), limit) => (cursor, limit),
        (Position::Around(target), limit) => {
            let links = links.clone();
            return db
                .read(move |conn| {
                    super::member_of(conn, id, me)?;
                    let rows = around(conn, id, me, target, limit)?;
                    PageJson::of(&render::messages_for(conn, me, rows, &links)?)
                })
                .await;
        }
    };
    // Read before the read transaction begins: a commit after this makes the page stale.
    let generation = db.generation();
    let newest_page = matches!(cursor, Cursor::Newest);
    let key = Key::Page(me, id, limit);
    if newest_page {
        if let Some(page) = cache.get(&key, generation) {
            return Ok(page);
        }
    }
    let links = links.clone();
    let (page, read_to) = db
        .read(move |conn| {
            let member = super::member_of(conn, id, me)?;
            let rows = messages::page(conn, id, me, cursor, limit)?;
            let newest = rows.last().map(|m| m.id.0).unwrap_or(0);
            let moves = !matches!(cursor, Cursor::Before(_)) && newest > member.last_read_id;
            let page = PageJson::of(&render::messages_for(conn, me, rows, &links)?)?;
            Ok((page, moves.then_some(MessageId(newest))))
        })
        .await?;
    if let Some(to) = read_to {
        // The member may have left in between: then there is no marker to move (and no row
        // for the update to return).
        let clock = db.clock();
        db.write_freeing(move |conn| {
            if let Some(unread) = convs::advance_read_marker(conn, id, me, to)? {
                read_marker_moved(conn, id, me, unread, clock.now_ms())?;
            }
            Ok(())
        })
        .await?;
    } else if newest_page {
        cache.put(key, generation, page.clone());
    }
    Ok(page)
}

/// Up to `limit` messages centred on `target` (older half first), oldest first; `400` when
/// `target` is not a message of this conversation the viewer can see. Moves no read marker.
fn around(
    conn: &Connection,
    id: ConversationId,
    me: UserId,
    target: MessageId,
    limit: u32,
) -> Result<Vec<messages::MessageRow>, Error> {
    let older_count = (limit - 1) / 2;
    let newer = messages::page(
        conn,
        id,
        me,
        Cursor::After(MessageId(target.0 - 1)),
        limit - older_count,
    )?;
    if newer.first().map(|m| m.id) != Some(target) {
        return Err(Error::bad_request("around 不是此会话的消息"));
    }
    let mut rows = if older_count == 0 {
        Vec::new()
    } else {
        messages::page(conn, id, me, Cursor::Before(target), older_count)?
    };
    rows.extend(newer);
    Ok(rows)
}

/// Tells the caller's devices their unread count for `id` is now `unread` (and whether an
/// unread message still mentions them).
pub fn read_marker_moved(
    conn: &Connection,
    id: ConversationId,
    me: UserId,
    unread: i64,
    now: i64,
) -> Result<i64, Error> {
    let mentioned = convs::mentioned(conn, id, me)?;
    let event = NewEvent::new(kind::CONVERSATION_UPDATED)
        .conversation(id)
        .data(serde_json::json!({ "unread_count": unread, "mentioned": mentioned }));
    events::to_users(conn, &[me], &event, now)?;
    Ok(unread)
}

/// `true` when a new conversation was made, `false` when the pair already had one.
pub async fn create_private(
    db: &Db,
    config: &Config,
    me: UserId,
    friend: UserId,
) -> Result<(ConversationId, bool), Error> {
    if friend == me {
        return Err(Error::bad_request("不能与自己创建私聊"));
    }
    let require_friendship = config.require_friendship;
    let clock = db.clock();
    db.write(move |conn| create_private_in(conn, me, friend, require_friendship, clock.now_ms()))
        .await
}

/// The transaction of `create_private` (also `chatd seed`'s).
pub fn create_private_in(
    conn: &Connection,
    me: UserId,
    friend: UserId,
    require_friendship: bool,
    now: i64,
) -> Result<(ConversationId, bool), Error> {
    if !db::users::exists(conn, friend)? {
        return Err(Error::UserNotFound);
    }
    if let Some(existing) = convs::find_private(conn, me, friend)? {
        return Ok((existing, false));
    }
    if require_friendship && !db::friends::are_friends(conn, me, friend)? {
        return Err(Error::NotFriends);
    }
    let pair = convs::private_pair(me, friend);
    let id = convs::insert(conn, Kind::Private, None, Some(&pair), now)?;
    convs::add_members(conn, id, &[me, friend], Role::Member, now)?;
    let event = NewEvent::new(kind::CONVERSATION_CREATED).conversation(id);
    events::to_users(conn, &[me, friend], &event, now)?;
    Ok((id, true))
}

pub async fn create_group(
    db: &Db,
    config: &Config,
    me: UserId,
    name: &str,
    member_ids: &[Given<UserId>],
) -> Result<ConversationId, Error> {
    let name = GroupName::parse(name)?.into_string();
    let others = members::member_ids(me, member_ids)?;
    if others.is_empty() {
        return Err(Error::bad_request("至少需要一位其他成员"));
    }
    // The creator is the first member.
    members::check_group_size(config, 1, others.len())?;
    let require_friendship = config.require_friendship;
    let clock = db.clock();
    db.write(move |conn| {
        members::check_invitees(conn, me, &others, require_friendship)?;
        create_group_in(conn, me, &name, &others, clock.now_ms())
    })
    .await
}

/// The transaction of `create_group` once its members are checked (also `chatd seed`'s).
pub fn create_group_in(
    conn: &Connection,
    me: UserId,
    name: &str,
    others: &[UserId],
    now: i64,
) -> Result<ConversationId, Error> {
    let id = convs::insert(conn, Kind::Group, Some(name), None, now)?;
    convs::add_members(conn, id, &[me], Role::Owner, now)?;
    convs::add_members(conn, id, others, Role::Member, now)?;
    messages::insert_system(conn, id, me, render::action::CREATED, others, None, now)?;
    let event = NewEvent::new(kind::CONVERSATION_CREATED).conversation(id);
    events::to_members(conn, id, &event, now)?;
    Ok(id)
}
