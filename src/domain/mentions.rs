//! @mentions (API.md §14): who a send may mention, and how mentions read in the API.

use rusqlite::Connection;

use crate::db::conversations::{self as convs, Kind, Membership, Role};
use crate::db::messages::MENTION_ALL;
use crate::error::Error;
use crate::ids::{ConversationId, Given, UserId};

/// One entry of a send's `mentions`, as parsed at the edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mention {
    /// `"all"`: everyone in the group (the owner only).
    All,
    /// `"u_…"` (malformed ids are kept, to be refused with the rest).
    User(Given<UserId>),
}

impl Mention {
    pub fn parse(text: &str) -> Mention {
        match text {
            "all" => Mention::All,
            other => Mention::User(Given::parse(other)),
        }
    }
}

/// The checked mentions of a send by `me` (`member` is their membership): members of the
/// group other than `me`, each once, or [`MENTION_ALL`] alone.
///
/// In a private chat, of a non-member or of oneself: `400 发送失败`; `"all"` beside users
/// or more entries than the group has members: `400 参数错误`; `"all"` by anyone but the
/// owner: `403 无权限`.
pub fn check(
    conn: &Connection,
    me: UserId,
    conversation: ConversationId,
    member: &Membership,
    mentions: &[Mention],
) -> Result<Vec<UserId>, Error> {
    if mentions.is_empty() {
        return Ok(Vec::new());
    }
    if member.kind == Kind::Private {
        return Err(Error::send_failed("私聊不能@"));
    }
    if mentions.len() > convs::member_count(conn, conversation)? {
        return Err(Error::bad_request("mentions 多于群成员数"));
    }
    if mentions.contains(&Mention::All) {
        if mentions.len() > 1 {
            return Err(Error::bad_request("\"all\" 须单独使用"));
        }
        if member.role != Role::Owner {
            return Err(Error::Forbidden);
        }
        return Ok(vec![MENTION_ALL]);
    }
    let mut users = Vec::with_capacity(mentions.len());
    // ("all" returned above: every entry is a user.)
    for mention in mentions {
        let Mention::User(given) = mention else {
            continue;
        };
        let user = given
            .known()
            .map_err(|_| Error::send_failed("只能@群成员"))?;
        if user == me {
            return Err(Error::send_failed("不能@自己"));
        }
        users.push(user);
    }
    users.sort_unstable();
    users.dedup();
    if convs::current_members_among(conn, conversation, &users)?.len() != users.len() {
        return Err(Error::send_failed("只能@群成员"));
    }
    Ok(users)
}

/// A message's `mentions` as the API shows them: user ids, or `["all"]`.
pub fn shown(mentions: &[UserId]) -> Vec<String> {
    mentions
        .iter()
        .map(|u| {
            if *u == MENTION_ALL {
                "all".to_string()
            } else {
                u.to_string()
            }
        })
        .collect()
}
