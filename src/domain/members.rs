//! Who may be in a group: parsing a member list, the size limit and the invitees' checks,
//! shared by creating a group (`conversations`) and inviting into one (`groups`).

use crate::config::Config;
use crate::db::{self, messages};
use crate::error::Error;
use crate::ids::{Given, UserId};

/// A member list: a malformed id is an unknown user (`404 用户不存在`); the caller and
/// duplicates are dropped, order kept.
pub fn member_ids(me: UserId, given: &[Given<UserId>]) -> Result<Vec<UserId>, Error> {
    let mut seen = std::collections::HashSet::new();
    let mut ids = Vec::with_capacity(given.len());
    for id in given {
        let id = id.known()?;
        if id != me && seen.insert(id) {
            ids.push(id);
        }
    }
    Ok(ids)
}

/// The rules for adding `users` to a group of `current` members: all exist, all are the
/// inviter's friends (when required), and the group stays within `max_group_members`.
pub fn check_new_members(
    conn: &rusqlite::Connection,
    config: &Config,
    me: UserId,
    users: &[UserId],
    current: usize,
) -> Result<(), Error> {
    check_group_size(config, current, users.len())?;
    check_invitees(conn, me, users, config.require_friendship)
}

/// A group of `current` members may take `adding` more within `max_group_members`.
pub fn check_group_size(config: &Config, current: usize, adding: usize) -> Result<(), Error> {
    if current + adding > config.max_group_members {
        return Err(Error::bad_request(format!(
            "群成员不能超过{}人",
            config.max_group_members
        )));
    }
    Ok(())
}

/// All of `users` exist and, when `require_friendship`, are friends of `me`.
pub fn check_invitees(
    conn: &rusqlite::Connection,
    me: UserId,
    users: &[UserId],
    require_friendship: bool,
) -> Result<(), Error> {
    if messages::display_names(conn, users)?.len() != users.len() {
        return Err(Error::UserNotFound);
    }
    if require_friendship && db::friends::count_non_friends(conn, me, users)? > 0 {
        return Err(Error::NotFriends);
    }
    Ok(())
}
