//! The names a batch of renderings shows: the current display names of the users system
//! messages name, and each viewer's remarks (备注, API.md §14), which replace a display name
//! for that viewer only.

use std::collections::HashMap;

use rusqlite::Connection;

use crate::db::messages::{self, MessageRow, Status};
use crate::db::{self};
use crate::error::Error;
use crate::ids::UserId;

#[derive(Debug, Default)]
pub struct Names {
    display: HashMap<UserId, String>,
    remarks: HashMap<(UserId, UserId), String>,
}

impl Names {
    /// What rendering `rows` for `viewers` needs, in at most two queries: the display names
    /// of system messages' targets, and the viewers' remarks for every sender and target.
    pub fn load<'a>(
        conn: &Connection,
        viewers: &[UserId],
        rows: impl IntoIterator<Item = &'a MessageRow>,
    ) -> Result<Names, Error> {
        let mut targets: Vec<UserId> = Vec::new();
        let mut users: Vec<UserId> = Vec::new();
        for row in rows {
            users.push(row.sender_id);
            if row.status == Status::System {
                targets.extend(row.targets.iter().copied());
            }
        }
        targets.sort_unstable();
        targets.dedup();
        users.extend(targets.iter().copied());
        users.sort_unstable();
        users.dedup();
        let display = if targets.is_empty() {
            HashMap::new()
        } else {
            messages::display_names(conn, &targets)?
        };
        let mut viewers = viewers.to_vec();
        viewers.sort_unstable();
        viewers.dedup();
        Ok(Names {
            display,
            remarks: db::friends::remarks(conn, &viewers, &users)?,
        })
    }

    /// The name `viewer` sees for `user`, whose own display name is `own`.
    pub fn shown(&self, viewer: UserId, user: UserId, own: &str) -> String {
        self.remarks
            .get(&(viewer, user))
            .cloned()
            .unwrap_or_else(|| own.to_string())
    }

    /// The name `viewer` sees for a user a system message names (`""` if unknown).
    pub fn target(&self, viewer: UserId, user: UserId) -> String {
        let own = self.display.get(&user).map_or("", String::as_str);
        self.shown(viewer, user, own)
    }

    /// Whether `viewer` gave any of `users` a remark (their rendering is their own).
    pub fn personal(&self, viewer: UserId, mut users: impl Iterator<Item = UserId>) -> bool {
        !self.remarks.is_empty() && users.any(|u| self.remarks.contains_key(&(viewer, u)))
    }

    #[cfg(test)]
    pub fn of(
        display: HashMap<UserId, String>,
        remarks: HashMap<(UserId, UserId), String>,
    ) -> Names {
        Names { display, remarks }
    }
}
