//! Managing a conversation (API.md §5 "Managing a conversation", §7): pin, read markers,
//! members, invite, remove, leave, owner hand-over and rename. Every membership and name
//! change appends a system message in the same transaction as the change.

use serde::Serialize;
use utoipa::ToSchema;

use super::files::Links;
use super::render::action;
use super::validate::{Announcement, GroupName};
use crate::config::Config;
pub use crate::db::conversations::MemberFlag;
use crate::db::conversations::{self as convs, Kind, Membership, Role};
use crate::db::events::{self, kind, NewEvent};
use crate::db::{messages, Db};
use crate::error::Error;
use crate::ids::{ConversationId, Given, MessageId, UserId};
use crate::time::rfc3339_ms;
use serde_json::json;

use super::member_of;
use super::members::{self, check_new_members};

/// The caller's membership of a group; `400` for a private chat.
pub(super) fn group_member(
    conn: &rusqlite::Connection,
    id: ConversationId,
    me: UserId,
) -> Result<Membership, Error> {
    let member = member_of(conn, id, me)?;
    if member.kind != Kind::Group {
        return Err(Error::bad_request("私聊不支持此操作"));
    }
    Ok(member)
}

/// Pins or mutes (or undoes it) a conversation for the caller; the caller's other devices
/// learn it from `conversation.updated`.
pub async fn set_flag(
    db: &Db,
    me: UserId,
    id: ConversationId,
    flag: MemberFlag,
    on: bool,
) -> Result<bool, Error> {
    let clock = db.clock();
    db.write(move |conn| {
        member_of(conn, id, me)?;
        convs::set_flag(conn, id, me, flag, on)?;
        let event = NewEvent::new(kind::CONVERSATION_UPDATED)
            .conversation(id)
            .data(json!({ flag.field(): on }));
        events::to_users(conn, &[me], &event, clock.now_ms())?;
        Ok(on)
    })
    .await
}

/// Moves the read marker to `message` (default: the newest message), never backwards, and
/// returns the caller's unread count afterwards.
pub async fn mark_read(
    db: &Db,
    me: UserId,
    id: ConversationId,
    message: Option<MessageId>,
) -> Result<i64, Error> {
    let clock = db.clock();
    db.write_freeing(move |conn| {
        member_of(conn, id, me)?;
        let to = match message {
            Some(m) if convs::has_message(conn, id, m)? => m,
            Some(_) => return Err(Error::MessageNotFound),
            None => MessageId(convs::newest_message(conn, id)?),
        };
        // `member_of` above: the member's row is there to update.
        let unread = convs::advance_read_marker(conn, id, me, to)?
            .ok_or(rusqlite::Error::QueryReturnedNoRows)?;
        super::conversations::read_marker_moved(conn, id, me, unread, clock.now_ms())
    })
    .await
}

/// A conversation member; the owner comes first, then members in the order they joined.
#[derive(Debug, Serialize, ToSchema)]
pub struct MemberView {
    pub user_id: UserId,
    #[schema(example = "lisi")]
    pub username: String,
    #[schema(example = "李四")]
    pub display_name: String,
    pub role: Role,
    #[schema(value_type = crate::time::Timestamp)]
    pub joined_at: String,
    /// Their avatar's thumbnail (a signed URL for the caller), or `null`.
    pub avatar_url: Option<String>,
}

pub async fn members(
    db: &Db,
    links: &Links,
    me: UserId,
    id: ConversationId,
) -> Result<Vec<MemberView>, Error> {
    let members = db
        .read(move |conn| {
            member_of(conn, id, me)?;
            convs::members(conn, id, me)
        })
        .await?;
    let links = links.for_viewer(me);
    Ok(members
        .into_iter()
        .map(|m| MemberView {
            avatar_url: links.avatar(m.avatar),
            user_id: m.id,
            username: m.username,
            display_name: m.display_name,
            role: m.role,
            joined_at: rfc3339_ms(m.joined_at),
        })
        .collect())
}

/// Invites users into a group. Users already in it are skipped; inviting only members is a
/// no-op without a system message.
pub async fn invite(
    db: &Db,
    config: &Config,
    me: UserId,
    id: ConversationId,
    invitees: &[Given<UserId>],
) -> Result<(), Error> {
    let wanted = members::member_ids(me, invitees)?;
    let config = config.clone();
    let clock = db.clock();
    db.write(move |conn| {
        group_member(conn, id, me)?;
        if wanted.is_empty() {
            return Err(Error::bad_request("至少需要一位其他成员"));
        }
        let already = convs::current_members_among(conn, id, &wanted)?;
        let new: Vec<UserId> = wanted
            .into_iter()
            .filter(|u| !already.contains(u))
            .collect();
        if new.is_empty() {
            return Ok(());
        }
        let current = convs::member_count(conn, id)?;
        check_new_members(conn, &config, me, &new, current)?;
        let now = clock.now_ms();
        convs::add_members(conn, id, &new, Role::Member, now)?;
        let system = messages::insert_system(conn, id, me, action::INVITED, &new, None, now)?;
        events::to_users(
            conn,
            &new,
            &NewEvent::new(kind::CONVERSATION_CREATED).conversation(id),
            now,
        )?;
        // Every one of `new` was not a member before: all of them were added.
        members_changed(conn, id, &new, system, current + new.len(), now)?;
        Ok(())
    })
    .await
}

/// What removing a member turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Removal {
    Left,
    Removed,
}

/// The owner removes a member, or a member removes themself (leaves). When the owner leaves,
/// the longest-standing remaining member becomes owner; the last one out deletes the group.
pub async fn remove_member(
    db: &Db,
    me: UserId,
    id: ConversationId,
    target: Given<UserId>,
) -> Result<Removal, Error> {
    let clock = db.clock();
    db.write_freeing(move |conn| {
        let member = group_member(conn, id, me)?;
        // A malformed or unknown user is looked for only once the caller is known to be in.
        let target = target.known()?;
        let now = clock.now_ms();
        let is_owner = member.role == Role::Owner;
        if target == me {
            convs::remove_member(conn, id, me)?;
            events::to_users(conn, &[me], &removed_event(id), now)?;
            let remaining = convs::member_count(conn, id)?;
            if remaining == 0 {
                convs::delete_empty(conn, id)?;
                return Ok(Removal::Left);
            }
            let left = messages::insert_system(conn, id, me, action::LEFT, &[], None, now)?;
            members_changed(conn, id, &[], left, remaining, now)?;
            if is_owner {
                if let Some(next) = convs::promote_longest_standing(conn, id)? {
                    let system = messages::insert_system(
                        conn,
                        id,
                        me,
                        action::OWNER_CHANGED,
                        &[next],
                        None,
                        now,
                    )?;
                    events::message_created(conn, id, system, now)?;
                }
            }
            return Ok(Removal::Left);
        }
        if !is_owner {
            return Err(Error::Forbidden);
        }
        if convs::role(conn, id, target)?.is_none() {
            return Err(Error::UserNotFound);
        }
        convs::remove_member(conn, id, target)?;
        events::to_users(conn, &[target], &removed_event(id), now)?;
        let system = messages::insert_system(conn, id, me, action::REMOVED, &[target], None, now)?;
        let remaining = convs::member_count(conn, id)?;
        members_changed(conn, id, &[], system, remaining, now)?;
        Ok(Removal::Removed)
    })
    .await
}

fn removed_event(id: ConversationId) -> NewEvent<'static> {
    NewEvent::new(kind::CONVERSATION_REMOVED).conversation(id)
}

/// Events for a membership change: the system message for every member, and the new member
/// count (`count`, after the change) for everyone but `joined` (who got
/// `conversation.created` instead).
fn members_changed(
    conn: &rusqlite::Connection,
    id: ConversationId,
    joined: &[UserId],
    system: MessageId,
    count: usize,
    now: i64,
) -> Result<(), Error> {
    events::message_created(conn, id, system, now)?;
    let event = NewEvent::new(kind::CONVERSATION_UPDATED)
        .conversation(id)
        .data(json!({ "member_count": count }));
    events::to_members_except(conn, id, joined, &event, now)
}

/// Sets or (with a blank text) clears a group's announcement: the owner only. Every member
/// gets a system message and `conversation.updated` with `announcement`; the new text, or
/// `None`.
pub async fn announce(
    db: &Db,
    me: UserId,
    id: ConversationId,
    text: &str,
) -> Result<Option<String>, Error> {
    let text = Announcement::parse(text)?.map(Announcement::into_string);
    let clock = db.clock();
    db.write(move |conn| {
        if group_member(conn, id, me)?.role != Role::Owner {
            return Err(Error::Forbidden);
        }
        convs::set_announcement(conn, id, text.as_deref())?;
        let now = clock.now_ms();
        let what = match text {
            Some(_) => action::ANNOUNCED,
            None => action::ANNOUNCEMENT_CLEARED,
        };
        let system = messages::insert_system(conn, id, me, what, &[], None, now)?;
        let event = NewEvent::new(kind::CONVERSATION_UPDATED)
            .conversation(id)
            .data(json!({ "announcement": text }));
        events::to_members(conn, id, &event, now)?;
        events::message_created(conn, id, system, now)?;
        Ok(text)
    })
    .await
}

pub async fn rename(db: &Db, me: UserId, id: ConversationId, name: &str) -> Result<(), Error> {
    let name = GroupName::parse(name)?.into_string();
    let clock = db.clock();
    db.write(move |conn| {
        group_member(conn, id, me)?;
        convs::rename(conn, id, &name)?;
        let now = clock.now_ms();
        let system = messages::insert_system(conn, id, me, action::RENAMED, &[], Some(&name), now)?;
        let event = NewEvent::new(kind::CONVERSATION_UPDATED)
            .conversation(id)
            .data(json!({ "name": name }));
        events::to_members(conn, id, &event, now)?;
        events::message_created(conn, id, system, now)?;
        Ok(())
    })
    .await
}
