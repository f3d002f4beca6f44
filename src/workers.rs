//! Background threads at a lower priority than the request workers, behind a short queue.
//! Two kinds of work use them: password hashing (the one heavy job a stranger can ask for)
//! and notification deliveries (encryption, signing and a request per device). Both must
//! never slow anyone's reads and sends: at nice 10 they get what the request workers leave
//! (CFS gives a nice-10 thread about a tenth of a nice-0 one's share under contention, and
//! everything when the cores are idle). Each thread keeps a state of its own across jobs
//! (the hasher's 19 MiB argon2 work area, allocated once).

use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};

use rocket::tokio::sync::oneshot;

use crate::error::Error;
use crate::sync::Recover;

/// The threads' nice value (the request workers keep the process's, usually 0).
pub const NICE: i32 = 10;

/// Seconds a caller refused for a full queue is asked to wait.
const BUSY_RETRY_AFTER: u32 = 1;

type Job<S> = Box<dyn FnOnce(&mut S) + Send>;

/// Handle to a set of worker threads; cheap to clone. The threads end when the last handle
/// goes.
pub struct Workers<S> {
    jobs: SyncSender<Job<S>>,
}

impl<S> Clone for Workers<S> {
    fn clone(&self) -> Self {
        Workers {
            jobs: self.jobs.clone(),
        }
    }
}

impl<S: 'static> Workers<S> {
    /// Starts `threads` threads named `<name>-<i>` (0: one per core), each with the state
    /// `init()` makes, behind a queue of `queue` jobs.
    pub fn start(
        name: &str,
        threads: usize,
        queue: usize,
        init: impl Fn() -> S + Send + Sync + 'static,
    ) -> Result<Workers<S>, String> {
        let threads = match threads {
            0 => std::thread::available_parallelism().map_or(1, usize::from),
            n => n,
        };
        let (jobs, receiver) = sync_channel::<Job<S>>(queue);
        let receiver = Arc::new(Mutex::new(receiver));
        let init = Arc::new(init);
        for i in 0..threads {
            let receiver = receiver.clone();
            let init = init.clone();
            std::thread::Builder::new()
                .name(format!("{name}-{i}"))
                .spawn(move || serve(&receiver, init()))
                .map_err(|e| format!("cannot start the {name} threads: {e}"))?;
        }
        Ok(Workers { jobs })
    }

    /// Runs `f` on one of the threads; `429` at once when the queue is full.
    pub async fn run<T, F>(&self, f: F) -> Result<T, Error>
    where
        T: Send + 'static,
        F: FnOnce(&mut S) -> Result<T, Error> + Send + 'static,
    {
        let (tx, rx) = oneshot::channel();
        let job: Job<S> = Box::new(move |state| {
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(state)))
                .unwrap_or_else(|_| Err(Error::internal("a background job panicked")));
            let _ = tx.send(result);
        });
        match self.jobs.try_send(job) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => return Err(Error::RateLimited(BUSY_RETRY_AFTER)),
            Err(TrySendError::Disconnected(_)) => {
                return Err(Error::internal("the background threads have stopped"))
            }
        }
        rx.await
            .map_err(|_| Error::internal("a background thread dropped a job"))?
    }
}

fn serve<S>(receiver: &Mutex<Receiver<Job<S>>>, mut state: S) {
    lower_priority();
    loop {
        let job = {
            let queue = receiver.recover();
            queue.recv()
        };
        match job {
            Ok(job) => job(&mut state),
            Err(_) => break,
        }
    }
}

fn lower_priority() {
    let me = rustix::thread::gettid();
    if let Err(e) = rustix::process::setpriority_process(Some(me), NICE) {
        tracing::debug!("cannot lower a background thread's priority: {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[rocket::async_test]
    async fn jobs_run_on_niced_threads_that_keep_their_state() {
        let workers = Workers::start("test-workers", 1, 4, || 0u32).unwrap();
        for expected in 1..=3 {
            let seen = workers
                .run(|count: &mut u32| {
                    *count += 1;
                    Ok(*count)
                })
                .await
                .unwrap();
            assert_eq!(seen, expected);
        }
        let nice = workers
            .run(|_| {
                let me = rustix::thread::gettid();
                Ok(rustix::process::getpriority_process(Some(me)).unwrap())
            })
            .await
            .unwrap();
        assert!(nice >= NICE, "nice {nice}");
    }

    #[rocket::async_test]
    async fn a_panicking_job_is_an_error_and_the_thread_goes_on() {
        let workers = Workers::start("test-workers", 1, 4, || ()).unwrap();
        let failed: Result<(), Error> = workers.run(|_| panic!("boom")).await;
        assert!(failed.is_err());
        assert_eq!(workers.run(|_| Ok(7)).await.unwrap(), 7);
    }

    #[rocket::async_test]
    async fn a_full_queue_answers_429_at_once() {
        let workers = Workers::start("test-workers", 1, 1, || ()).unwrap();
        let (hold, held) = std::sync::mpsc::channel::<()>();
        let (started_tx, started) = oneshot::channel();
        // Occupy the one thread, then fill the one queue place.
        let busy = rocket::tokio::spawn({
            let workers = workers.clone();
            async move {
                workers
                    .run(move |_| {
                        let _ = started_tx.send(());
                        let _ = held.recv();
                        Ok(())
                    })
                    .await
            }
        });
        started.await.unwrap();
        // The one queue place taken by a job of nobody's.
        assert!(workers.jobs.try_send(Box::new(|_| {})).is_ok());
        let refused = workers.run(|_| Ok(0)).await.err();
        assert!(
            matches!(refused, Some(Error::RateLimited(1))),
            "{refused:?}"
        );
        hold.send(()).unwrap();
        busy.await.unwrap().unwrap();
        // Once the queue drains (the thread takes the waiting job), work is accepted again.
        let mut answer = Err(Error::RateLimited(1));
        for _ in 0..100 {
            answer = workers.run(|_| Ok(7)).await;
            if answer.is_ok() {
                break;
            }
            rocket::tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        assert_eq!(answer.unwrap(), 7);
    }
}
