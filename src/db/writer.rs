//! The single writer: one OS thread owns the writing connection and takes jobs from a
//! channel (the tokio-rusqlite shape). It drains whatever is queued, runs each job in its own
//! savepoint inside one transaction, commits once (one fsync for the whole batch), and only
//! then answers every job. A failing job rolls back its own savepoint and gets its own error;
//! its neighbours in the batch are unaffected. `Writer::close` (or dropping the last handle)
//! ends the thread after finishing what is queued, folding the WAL into the database file.
//!
//! Whoever wants to know about commits subscribes (`Writer::subscribe_commits`, the shape of
//! mini-redis's `Db::subscribe`): storage imports nothing above it.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

use rocket::tokio::sync::oneshot;
use rusqlite::Connection;

use super::Cached;
use crate::error::Error;
use crate::sync::Recover;

/// Receivers told "something was committed" after every durable batch (one `()` per batch;
/// a receiver may collapse several). They are dropped when the writer thread ends.
type Subscribers = Arc<Mutex<Vec<mpsc::Sender<()>>>>;

/// Called with `true` once the batch is durable, `false` if the commit failed.
type Reply = Box<dyn FnOnce(bool) + Send>;
/// A job returns whether it succeeded (keep its savepoint) and how to answer its caller.
type Job = Box<dyn FnOnce(&Connection) -> (bool, Reply) + Send>;

/// Most jobs in one transaction: bounds the latency a batch adds to its first job.
const MAX_BATCH: usize = 512;

/// How long the writer waits, with search index work to do, before it does it (`Upkeep`; a
/// busy writer indexes every `search::INDEX_BATCH` messages instead).
const UPKEEP_WHEN_IDLE: Duration = Duration::from_millis(500);

/// What the writer thread is sent: work, or "finish what is queued and stop".
enum Message {
    Job(Job),
    Close,
}

#[derive(Clone)]
pub struct Writer {
    jobs: mpsc::Sender<Message>,
    subscribers: Subscribers,
    generation: Arc<AtomicU64>,
    thread: Arc<Mutex<Option<std::thread::JoinHandle<bool>>>>,
}

impl Writer {
    /// Starts the writer thread; with `fold_at_exit` it checkpoints and truncates the WAL
    /// when it stops (not under Litestream, which checkpoints itself).
    pub fn spawn(conn: Connection, fold_at_exit: bool) -> Result<Writer, String> {
        let (jobs, queue) = mpsc::channel::<Message>();
        let subscribers = Subscribers::default();
        let told = subscribers.clone();
        let generation = Arc::new(AtomicU64::new(0));
        let bumped = generation.clone();
        let thread = std::thread::Builder::new()
            .name("chatd-writer".into())
            .spawn(move || run(conn, queue, told, bumped, fold_at_exit))
            .map_err(|e| format!("cannot start the writer thread: {e}"))?;
        Ok(Writer {
            jobs,
            subscribers,
            generation,
            thread: Arc::new(Mutex::new(Some(thread))),
        })
    }

    /// Finishes every job sent before, folds the WAL into the database file (checkpoint and
    /// truncate; not under Litestream) and ends the thread, waiting for it off the async
    /// workers. Whether the WAL was folded (or left to Litestream); later writes through any
    /// handle answer "the writer has stopped".
    pub async fn close(&self) -> Result<bool, Error> {
        let _ = self.jobs.send(Message::Close);
        let thread = self.thread.recover().take();
        let Some(thread) = thread else {
            return Ok(false);
        };
        rocket::tokio::task::spawn_blocking(move || thread.join())
            .await
            .map_err(Error::internal)?
            .map_err(|_| Error::internal("the writer thread panicked"))
    }

    /// How many batches have committed. The writer counts a commit before it answers any job
    /// of it, so a value read before a read transaction began and unchanged after a result
    /// was built from it means nothing was committed in between: the result is current
    /// (what the page cache, `domain::pages`, relies on).
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// A receiver told after every commit; its sender goes when the writer thread ends, so
    /// `recv` then fails and the subscriber can stop.
    pub fn subscribe_commits(&self) -> mpsc::Receiver<()> {
        let (tx, rx) = mpsc::channel();
        self.subscribers.recover().push(tx);
        rx
    }

    pub async fn run<T, F>(&self, f: F) -> Result<T, Error>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, Error> + Send + 'static,
    {
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move |conn| {
            let result = catch_unwind(AssertUnwindSafe(|| f(conn)))
                .unwrap_or_else(|_| Err(Error::internal("a write job panicked")));
            let ok = result.is_ok();
            let reply: Reply = Box::new(move |committed| {
                let answer = match result {
                    Ok(_) if !committed => Err(Error::internal("commit failed")),
                    other => other,
                };
                let _ = tx.send(answer);
            });
            (ok, reply)
        });
        self.jobs
            .send(Message::Job(job))
            .map_err(|_| Error::internal("the writer has stopped"))?;
        rx.await
            .map_err(|_| Error::internal("the writer dropped a job"))?
    }
}

/// The thread's body; whether the WAL was folded in at the end.
fn run(
    conn: Connection,
    queue: mpsc::Receiver<Message>,
    subscribers: Subscribers,
    generation: Arc<AtomicU64>,
    fold_at_exit: bool,
) -> bool {
    // Messages queued for the search index when the last run stopped are indexed first.
    let mut upkeep = Upkeep {
        queued: true,
        unmerged: true,
    };
    let mut waiting = None;
    let mut closing = false;
    while !closing {
        let next = match waiting.take() {
            Some(message) => Ok(message),
            None if upkeep.due() => match queue.recv_timeout(UPKEEP_WHEN_IDLE) {
                Ok(message) => Ok(message),
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    waiting = upkeep.run(&conn, &queue);
                    continue;
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => Err(()),
            },
            None => queue.recv().map_err(|_| ()),
        };
        let Ok(Message::Job(first)) = next else {
            break;
        };
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(Message::Job(job)) => batch.push(job),
                Ok(Message::Close) => {
                    closing = true;
                    break;
                }
                Err(_) => break,
            }
        }
        let (committed, replies, indexing) = run_batch(&conn, batch);
        if committed {
            generation.fetch_add(1, Ordering::Release);
        }
        for reply in replies {
            reply(committed);
        }
        if committed {
            subscribers.recover().retain(|tx| tx.send(()).is_ok());
        }
        upkeep.after_batch(indexing);
    }
    subscribers.recover().clear();
    in_transaction(&conn, super::search::index_queued);
    if !fold_at_exit {
        return true; // Litestream checkpoints (and copies the last frames) itself
    }
    // Fold the WAL into the database file, so a stopped server leaves one self-contained
    // file; readers finishing a last snapshot may delay it briefly.
    let pause = std::time::Duration::from_millis(40);
    super::checkpoint_truncate(&conn, 50, pause, super::CheckpointError::Retry).unwrap_or(false)
}

/// The search index's work the writer does when it has nothing else to do: index the
/// messages still queued, then merge the index's segments (`search::merge_step`), a step
/// at a time, stopping for any job that arrives.
struct Upkeep {
    queued: bool,
    unmerged: bool,
}

impl Upkeep {
    fn due(&self) -> bool {
        self.queued || self.unmerged
    }

    fn after_batch(&mut self, indexing: Indexing) {
        self.unmerged |= indexing.indexed;
        self.queued = indexing.waiting;
    }

    /// Does the work until done or a message arrives, which it returns.
    fn run(&mut self, conn: &Connection, queue: &mpsc::Receiver<Message>) -> Option<Message> {
        if self.queued {
            self.queued = !in_transaction(conn, super::search::index_queued);
            self.unmerged = true;
        }
        while self.unmerged {
            let mut merged = false;
            let done = in_transaction(conn, |conn| {
                merged = super::search::merge_step(conn)?;
                Ok(())
            });
            self.unmerged = done && merged;
            match queue.try_recv() {
                Ok(message) => return Some(message),
                Err(mpsc::TryRecvError::Empty) => {}
                Err(mpsc::TryRecvError::Disconnected) => return None,
            }
        }
        None
    }
}

/// Runs `work` in a transaction of its own; whether it was committed.
fn in_transaction(
    conn: &Connection,
    work: impl FnOnce(&Connection) -> rusqlite::Result<()>,
) -> bool {
    let done = conn
        .exec("BEGIN IMMEDIATE", [])
        .and_then(|_| work(conn))
        .and_then(|_| conn.exec("COMMIT", []));
    if let Err(e) = done {
        tracing::error!("writer cannot update the search index: {e}");
        let _ = conn.execute_batch("ROLLBACK");
        return false;
    }
    true
}

/// What a batch left for the search index.
struct Indexing {
    /// It indexed the waiting messages (merging may be due).
    indexed: bool,
    /// Messages still wait to be indexed (or, after a failure, may).
    waiting: bool,
}

/// After a batch that did not commit, the waiting messages are as they were: assume some.
const UNKNOWN: Indexing = Indexing {
    indexed: false,
    waiting: true,
};

fn run_batch(conn: &Connection, batch: Vec<Job>) -> (bool, Vec<Reply>, Indexing) {
    let mut replies = Vec::with_capacity(batch.len());
    if let Err(e) = conn.exec("BEGIN IMMEDIATE", []) {
        tracing::error!("writer cannot begin a transaction: {e}");
        // Answer every job with an error without running it.
        for job in batch {
            replies.push(fail_reply(job));
        }
        return (false, replies, UNKNOWN);
    }
    for job in batch {
        if conn.exec("SAVEPOINT job", []).is_err() {
            replies.push(fail_reply(job));
            continue;
        }
        let (ok, reply) = job(conn);
        let undone = if ok {
            Ok(0)
        } else {
            conn.exec("ROLLBACK TO job", [])
        };
        if let Err(e) = undone.and_then(|_| conn.exec("RELEASE job", [])) {
            tracing::error!("writer cannot end a savepoint: {e}");
        }
        replies.push(reply);
    }
    // Once enough sent messages wait for the search index, they go in with this batch.
    let indexing = super::search::queued(conn).and_then(|n| {
        let indexed = n >= super::search::INDEX_BATCH;
        if indexed {
            super::search::index_queued(conn)?;
            // A busy writer merges as it indexes (why: `search::merge_step`). Merging is
            // upkeep: its failure (undone with its statement) fails no send.
            if let Err(e) = super::search::merge_step(conn) {
                tracing::warn!("writer cannot merge the search index: {e}");
            }
        }
        Ok(Indexing {
            indexed,
            waiting: !indexed && n > 0,
        })
    });
    if let Err(e) = &indexing {
        tracing::error!("writer cannot update the search index: {e}");
    }
    match indexing.and_then(|indexing| conn.exec("COMMIT", []).map(|_| indexing)) {
        Ok(indexing) => (true, replies, indexing),
        Err(e) => {
            tracing::error!("writer commit failed: {e}");
            let _ = conn.execute_batch("ROLLBACK");
            (false, replies, UNKNOWN)
        }
    }
}

/// A reply for a job that never ran: its closure is dropped, so its caller's channel closes
/// and the caller answers 500.
fn fail_reply(job: Job) -> Reply {
    drop(job);
    Box::new(|_| {})
}
