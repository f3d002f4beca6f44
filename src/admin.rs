//! `chatd user …`: account administration for the operator, straight on the database (safe
//! while the server runs: each command is one short transaction, and it bumps `auth_epoch`
//! so a running server reloads its sessions within about a second).

use std::path::Path;

use clap::Subcommand;
use rand::distr::{Alphanumeric, SampleString};

use crate::db::{self, users};
use crate::error::Error;
use crate::time::rfc3339_ms;

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// List every account.
    List,
    /// Give USERNAME a new random password (printed once) and end all their sessions.
    ResetPassword { username: String },
    /// Disable USERNAME: no log-in, every token stops working; messages stay.
    Disable { username: String },
    /// Enable USERNAME again (they log in with their password).
    Enable { username: String },
}

fn fail(e: Error) -> String {
    e.describe()
}

pub fn run(database: &Path, command: &UserCommand) -> Result<(), String> {
    let mut conn = db::open(database)?;
    match command {
        UserCommand::List => {
            let accounts = users::list_accounts(&conn).map_err(fail)?;
            println!(
                "{:<8} {:<32} {:<24} {:<21} state",
                "id", "username", "display name", "created"
            );
            for a in &accounts {
                println!(
                    "{:<8} {:<32} {:<24} {:<21} {}",
                    a.user.id.to_string(),
                    a.user.username,
                    a.user.display_name,
                    rfc3339_ms(a.user.created_at),
                    if a.disabled { "disabled" } else { "active" }
                );
            }
            println!("{} accounts", accounts.len());
        }
        UserCommand::ResetPassword { username } => {
            let password = Alphanumeric.sample_string(&mut rand::rng(), 16);
            let hash = crate::passwords::hash_password_now(&password).map_err(fail)?;
            let tx = db::write_transaction(&mut conn).map_err(|e| e.to_string())?;
            let user = users::find_by_username(&tx, username)
                .map_err(fail)?
                .ok_or_else(|| format!("no user named {username}"))?;
            users::set_password(&tx, user.id, &hash).map_err(fail)?;
            users::bump_auth_epoch(&tx).map_err(fail)?;
            tx.commit().map_err(|e| e.to_string())?;
            println!("new password for {}: {password}", user.username);
            println!("(shown once; every session of {} has ended)", user.username);
        }
        UserCommand::Disable { username } | UserCommand::Enable { username } => {
            let disable = matches!(command, UserCommand::Disable { .. });
            let tx = db::write_transaction(&mut conn).map_err(|e| e.to_string())?;
            if !users::set_disabled(&tx, username, disable).map_err(fail)? {
                return Err(format!("no user named {username}"));
            }
            users::bump_auth_epoch(&tx).map_err(fail)?;
            tx.commit().map_err(|e| e.to_string())?;
            let state = if disable {
                "disabled; their sessions have ended"
            } else {
                "enabled"
            };
            println!("{username} is {state}");
        }
    }
    Ok(())
}
