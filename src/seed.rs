//! `chatd seed`: the demo data set, or a large synthetic one for benchmarks. Each data set is
//! recorded in `seed_marks` in the same transaction that loads it, so loading it again adds
//! nothing.

use std::path::Path;
use std::time::Instant;

use rusqlite::{params, Connection, OptionalExtension};

use crate::db::conversations::{self as convs, Kind, Role};
use crate::db::messages::Status;
use crate::db::{self, friends, users};
use crate::domain;
use crate::error::Error;
use crate::ids::UserId;
use crate::time::Clock;

/// The password of every demo account (documented in the README).
pub const DEMO_PASSWORD: &str = "chatd-demo";
/// The password of every synthetic account.
pub const SYNTHETIC_PASSWORD: &str = "password123";

const DEMO_USERS: [(&str, &str); 4] = [
    ("zhangsan", "张三"),
    ("lisi", "李四"),
    ("wangwu", "王五"),
    ("zhaoliu", "赵六"),
];

/// `chatd seed` options (the command line is in `cli`).
#[derive(clap::Args, Debug, Default)]
pub struct SeedArgs {
    /// Synthetic users to create (bench_1, bench_2, …; password "password123").
    #[arg(long, default_value_t = 0)]
    pub users: u32,
    /// Synthetic group conversations, each with bench_1 and two other synthetic users.
    #[arg(long, default_value_t = 0)]
    pub conversations: u32,
    /// Messages in each synthetic conversation.
    #[arg(long, default_value_t = 0)]
    pub messages: u32,
    /// Compose the synthetic messages from this file's phrases (one per line, `#` lines
    /// skipped; e.g. bench/corpus/family-chat.txt) instead of "测试消息 N": one to three
    /// phrases, sometimes with a number, a time or an English word. Always the same text for
    /// the same file.
    #[arg(long, value_name = "FILE")]
    pub corpus: Option<std::path::PathBuf>,
    /// Take the demo accounts out again: they can no longer log in (disabled, with a random
    /// password replacing the public one); the chats they were in stay.
    #[arg(long, conflicts_with_all = ["users", "conversations", "messages", "corpus"])]
    pub remove: bool,
}

pub fn run(path: &Path, args: &SeedArgs) -> Result<(), String> {
    let mut conn = db::open(path)?;
    if args.remove {
        return remove_demo(&mut conn)
            .map_err(|e| format!("cannot remove the demo accounts: {}", e.describe()));
    }
    let synthetic = args.users > 0 || args.conversations > 0 || args.messages > 0;
    let result = if synthetic {
        load_synthetic(&mut conn, args)
    } else {
        load_demo(&mut conn)
    };
    result.map_err(|e| format!("seeding failed: {}", e.describe()))
}

/// Marks a data set as loaded; `false` if it already was.
fn mark(conn: &Connection, name: &str) -> Result<bool, Error> {
    let inserted = conn.execute(
        "INSERT OR IGNORE INTO seed_marks (name, loaded_at) VALUES (?1, ?2)",
        params![name, Clock::default().now_ms()],
    )?;
    Ok(inserted == 1)
}

fn load_demo(conn: &mut Connection) -> Result<(), Error> {
    let hash = crate::passwords::hash_password_now(DEMO_PASSWORD)?;
    let tx = db::write_transaction(conn)?;
    if !mark(&tx, "demo")? {
        println!("demo data is already loaded; nothing added");
        return Ok(());
    }
    let now = Clock::default().now_ms();
    let mut ids = Vec::new();
    for (username, name) in DEMO_USERS {
        let id = match users::insert(&tx, username, name, &hash, now)? {
            Some(id) => id,
            None => users::find_by_username(&tx, username)?
                .map(|u| u.id)
                .ok_or_else(|| Error::internal("demo user vanished"))?,
        };
        ids.push(id);
    }
    // From here on, the same transactions the API runs when people do these things.
    let [zhang, li, wang, zhao] = [ids[0], ids[1], ids[2], ids[3]];
    let ask = |from, to, note| match domain::friends::send_request_in(&tx, from, to, note, now) {
        Err(Error::AlreadyFriends) => Ok(()),
        other => other.map(drop),
    };
    for (a, b) in [(zhang, li), (zhang, wang), (zhang, zhao), (li, wang)] {
        ask(a, b, "")?;
        ask(b, a, "")?;
    }
    ask(wang, zhao, "我是王五")?;

    let (private, _) = domain::conversations::create_private_in(&tx, zhang, li, true, now)?;
    let say = |conversation, sender, content| {
        let text = domain::messages::Text {
            content,
            client_id: None,
            upload: None,
            reply_to: None,
            mentions: &[],
        };
        domain::messages::send_in(&tx, sender, conversation, text, true, now).map(drop)
    };
    say(private, li, "下午一起吃饭？")?;
    say(private, zhang, "可以，几点？")?;
    say(private, li, "12点半，公司楼下见")?;

    let group = domain::conversations::create_group_in(&tx, zhang, "周末聚餐", &[li, wang], now)?;
    say(group, zhang, "这周六中午聚餐，大家有空吗？")?;
    say(group, wang, "有空！")?;
    say(group, li, "我也可以，去哪家？")?;
    db::search::index_queued(&tx)?;
    db::notify::skip_history(&tx)?;
    tx.commit()?;
    println!(
        "demo data loaded: users {} (password \"{DEMO_PASSWORD}\")",
        DEMO_USERS.map(|(u, _)| u).join(", ")
    );
    Ok(())
}

/// Disables the demo accounts and replaces their public password with a random one nobody
/// knows; a running server ends their sessions within about a second (`auth_epoch`).
fn remove_demo(conn: &mut Connection) -> Result<(), Error> {
    let secret =
        rand::distr::SampleString::sample_string(&rand::distr::Alphanumeric, &mut rand::rng(), 32);
    let hash = crate::passwords::hash_password_now(&secret)?;
    let tx = db::write_transaction(conn)?;
    let mut removed = Vec::new();
    for (username, _) in DEMO_USERS {
        if let Some(user) = users::find_by_username(&tx, username)? {
            users::set_password(&tx, user.id, &hash)?;
            users::set_disabled(&tx, username, true)?;
            removed.push(username);
        }
    }
    users::bump_auth_epoch(&tx)?;
    tx.commit()?;
    if removed.is_empty() {
        println!("no demo accounts here; nothing changed");
    } else {
        println!(
            "demo accounts disabled, their public password replaced: {} (their chats stay)",
            removed.join(", ")
        );
    }
    Ok(())
}

/// Phrases to make messages of, and a seeded generator so a corpus always gives the same
/// messages.
struct Corpus {
    phrases: Vec<String>,
    rng: rand::rngs::StdRng,
}

impl Corpus {
    fn read(path: &Path) -> Result<Corpus, Error> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::bad_request(format!("cannot read {}: {e}", path.display())))?;
        let phrases: Vec<String> = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(str::to_string)
            .collect();
        if phrases.is_empty() {
            return Err(Error::bad_request(format!(
                "{} has no phrases",
                path.display()
            )));
        }
        Ok(Corpus {
            phrases,
            rng: rand::SeedableRng::seed_from_u64(20261127),
        })
    }

    fn compose(&mut self) -> String {
        use rand::Rng;
        const WORDS: [&str; 8] = ["OK", "WiFi", "iPad", "KFC", "PPT", "Excel", "bye", "Taobao"];
        let count = self.rng.random_range(1..=3);
        let mut parts = Vec::with_capacity(count + 1);
        for _ in 0..count {
            parts.push(self.phrases[self.rng.random_range(0..self.phrases.len())].clone());
        }
        match self.rng.random_range(0..10) {
            0 => parts.push(self.rng.random_range(1..1000).to_string()),
            1 => parts.push(format!("{}点", self.rng.random_range(1..=12))),
            2 => parts.push(WORDS[self.rng.random_range(0..WORDS.len())].to_string()),
            _ => {}
        }
        parts.join("，")
    }
}

/// Messages per transaction while loading synthetic data.
const CHUNK: u64 = 50_000;

fn load_synthetic(conn: &mut Connection, args: &SeedArgs) -> Result<(), Error> {
    if args.conversations > 0 && args.users < 3 {
        return Err(Error::bad_request(
            "--conversations needs --users 3 or more",
        ));
    }
    let name = format!(
        "synthetic:u{}:c{}:m{}",
        args.users, args.conversations, args.messages
    );
    let started = Instant::now();
    // What the messages say: phrases of the corpus, or "测试消息 1", "测试消息 2", …
    let mut corpus = args.corpus.as_deref().map(Corpus::read).transpose()?;
    // One hash for every synthetic account: argon2 is slow by design, and these accounts
    // exist only for benchmarks.
    let hash = crate::passwords::hash_password_now(SYNTHETIC_PASSWORD)?;
    let tx = db::write_transaction(conn)?;
    if !mark(&tx, &name)? {
        println!("synthetic data set {name} is already loaded; nothing added");
        return Ok(());
    }
    let now = Clock::default().now_ms();
    let mut ids = Vec::with_capacity(args.users as usize);
    {
        let mut find = tx.prepare("SELECT id FROM users WHERE username = ?1")?;
        for i in 1..=args.users {
            let username = format!("bench_{i}");
            let id = match users::insert(&tx, &username, &format!("测试用户{i}"), &hash, now)? {
                Some(id) => id,
                None => UserId(find.query_row([&username], |r| r.get(0))?),
            };
            ids.push(id);
        }
    }
    tx.commit()?;
    eprintln!("seed: {} users ready", ids.len());

    let total = u64::from(args.conversations) * u64::from(args.messages);
    let mut done: u64 = 0;
    let mut tx = db::write_transaction(conn)?;
    let mut in_tx: u64 = 0;
    let others = ids.len() - 1;
    let first_conversation: i64 = tx.query_row(
        "SELECT COALESCE(MAX(id), 0) + 1 FROM conversations",
        [],
        |r| r.get(0),
    )?;
    for c in 0..args.conversations as usize {
        let members = [ids[0], ids[1 + c % others], ids[1 + (c + 1) % others]];
        for friend in &members[1..] {
            friends::befriend(&tx, members[0], *friend, now)?;
        }
        let group = convs::insert(
            &tx,
            Kind::Group,
            Some(&format!("测试群 {}", c + 1)),
            None,
            now,
        )?;
        convs::add_members(&tx, group, &members[..1], Role::Owner, now)?;
        convs::add_members(&tx, group, &members[1..], Role::Member, now)?;
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO messages (conversation_id, sender_id, content, status, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            for m in 0..args.messages as usize {
                let sender = members[m % 3];
                insert.execute(params![
                    group.0,
                    sender.0,
                    corpus
                        .as_mut()
                        .map_or_else(|| format!("测试消息 {}", m + 1), Corpus::compose),
                    Status::Normal,
                    now
                ])?;
            }
        }
        done += u64::from(args.messages);
        in_tx += u64::from(args.messages);
        if in_tx >= CHUNK {
            db::search::index_queued(&tx)?;
            tx.commit()?;
            tx = db::write_transaction(conn)?;
            in_tx = 0;
            eprintln!(
                "seed: {done}/{total} messages ({:.0}%), {:.1}s",
                done as f64 * 100.0 / total.max(1) as f64,
                started.elapsed().as_secs_f64()
            );
        }
    }
    // The messages went in directly, so count what is unread once, at the end.
    tx.execute(
        concat!(
            "UPDATE members SET unread_count = (
               SELECT COUNT(*) FROM messages x
               WHERE x.conversation_id = members.conversation_id AND ",
            crate::db::unread_for!(
                "members.user_id",
                "members.last_read_id",
                "members.conversation_id"
            ),
            ") WHERE conversation_id >= ?1"
        ),
        [first_conversation],
    )?;
    db::search::index_queued(&tx)?;
    db::notify::skip_history(&tx)?;
    tx.commit()?;
    // The search index is merged as a server would once idle (it does not merge as it goes).
    eprintln!("seed: merging the search index…");
    loop {
        let tx = db::write_transaction(conn)?;
        let merged = db::search::merge_step(&tx)?;
        tx.commit()?;
        if !merged {
            break;
        }
    }
    println!(
        "synthetic data loaded: {} users, {} conversations, {} messages in {:.1}s \
         (log in as bench_1 / \"{SYNTHETIC_PASSWORD}\")",
        args.users,
        args.conversations,
        total,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Whether a data set was loaded (for tests and tools).
pub fn is_loaded(conn: &Connection, name: &str) -> Result<bool, Error> {
    Ok(conn
        .query_row("SELECT 1 FROM seed_marks WHERE name = ?1", [name], |_| {
            Ok(())
        })
        .optional()?
        .is_some())
}
