//! The bounded pool for CPU work (retrieval, composition, dose checks): a fixed number of
//! blocking threads, and a bounded number of requests waiting for one. A request past both is
//! answered 503 with `Retry-After` at once, so heavy requests never occupy the async workers
//! that answer `/healthz` and never queue without bound.

use std::sync::{Arc, OnceLock};

use tantivy::Executor;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::error::ApiError;

/// Nice value of a thread doing pool work: the async workers (nice 0) that answer `/healthz`,
/// accept connections and refuse what is past a limit then get the CPU first when the pool keeps
/// every core busy.
pub const POOL_NICE: i32 = 10;

/// Lowers the calling thread's CPU priority to [`POOL_NICE`], once per thread (Linux: the nice
/// value is per thread). Best effort: without it the pool still bounds the work.
pub fn yield_to_the_async_workers() {
    thread_local! {
        static LOWERED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    }
    if LOWERED.with(|lowered| lowered.replace(true)) {
        return;
    }
    #[cfg(target_os = "linux")]
    {
        // SAFETY: gettid takes no arguments and cannot fail.
        let tid = unsafe { libc::syscall(libc::SYS_gettid) };
        // SAFETY: setpriority reads its three integer arguments only; a failure (say, a
        // sandbox that forbids it) is ignored.
        unsafe {
            libc::setpriority(libc::PRIO_PROCESS, tid as libc::id_t, POOL_NICE);
        }
    }
}

/// The executor of the server's searches (a query's segments in parallel, `threads` at once, or
/// [`crate::index::search_threads`]): the pool's work handed to other threads, so they too run
/// at [`POOL_NICE`]. One for the process, shared by the generations it serves; the calling
/// thread alone for one thread or if the threads cannot start.
pub fn search_executor(threads: Option<usize>) -> Executor {
    static EXECUTOR: OnceLock<Executor> = OnceLock::new();
    EXECUTOR
        .get_or_init(|| {
            let threads = threads.unwrap_or_else(crate::index::search_threads);
            if threads <= 1 {
                return Executor::single_thread();
            }
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .thread_name(|n| format!("medcite-search-{n}"))
                .start_handler(|_| yield_to_the_async_workers())
                .build()
                .map_or_else(
                    |_| Executor::single_thread(),
                    |pool| Executor::ThreadPool(Arc::new(pool)),
                )
        })
        .clone()
}

/// The right to run on the pool; the thread is free again when this is dropped.
#[derive(Debug)]
pub struct PoolThread {
    _place: OwnedSemaphorePermit,
    _thread: OwnedSemaphorePermit,
}

pub struct CpuPool {
    threads: Arc<Semaphore>,
    /// Places for requests running or waiting: `threads + depth`.
    places: Arc<Semaphore>,
    size: usize,
    depth: usize,
}

impl CpuPool {
    /// `threads` (at least 1) running at once, and `depth` more waiting.
    pub fn new(threads: usize, depth: usize) -> CpuPool {
        let size = threads.max(1);
        CpuPool {
            threads: Arc::new(Semaphore::new(size)),
            places: Arc::new(Semaphore::new(size + depth)),
            size,
            depth,
        }
    }

    /// One thread per core, and eight waiting per thread, unless configured.
    pub fn sized(threads: Option<usize>, depth: Option<usize>) -> CpuPool {
        let threads = threads.unwrap_or_else(|| {
            std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get)
        });
        CpuPool::new(threads, depth.unwrap_or(threads.max(1) * 8))
    }

    /// Runs `work` on a pool thread once one is free; 503 at once when the pool and its queue are
    /// full. A panic in `work` is a logged 500 and leaves the server serving.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        let thread = self.reserve().await?;
        tokio::task::spawn_blocking(move || {
            let _held = thread;
            yield_to_the_async_workers();
            work()
        })
        .await
        .map_err(|e| ApiError::internal(format!("the request's work failed: {e}")))
    }

    /// A pool thread for work the caller starts itself (keep the [`PoolThread`] with the
    /// work); 503 at once when the pool and its queue are full.
    pub async fn reserve(&self) -> Result<PoolThread, ApiError> {
        let place = self.place()?;
        let thread = self
            .threads
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| ApiError::busy("the server is shutting down"))?;
        Ok(PoolThread {
            _place: place,
            _thread: thread,
        })
    }

    /// A place in the pool (running or waiting), or the 503.
    fn place(&self) -> Result<OwnedSemaphorePermit, ApiError> {
        self.places.clone().try_acquire_owned().map_err(|_| {
            crate::telemetry::shed("cpu_pool");
            ApiError::busy(format!(
                "the server is answering as many requests as it can ({} running, {} waiting); try again shortly",
                self.size, self.depth
            ))
        })
    }

    /// Whether a new request would be turned away now.
    pub fn saturated(&self) -> bool {
        self.places.available_permits() == 0
    }

    /// Requests running or waiting now.
    pub fn in_use(&self) -> usize {
        self.size + self.depth - self.places.available_permits()
    }

    /// Threads of the pool.
    pub fn size(&self) -> usize {
        self.size
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_full_pool_answers_503_with_retry_after_at_once() {
        let pool = Arc::new(CpuPool::new(1, 0));
        let (started_tx, started_rx) = std::sync::mpsc::channel::<()>();
        let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
        let busy = {
            let pool = pool.clone();
            tokio::spawn(async move {
                pool.run(move || {
                    started_tx.send(()).unwrap();
                    release_rx.recv().unwrap();
                    7
                })
                .await
            })
        };
        tokio::task::spawn_blocking(move || started_rx.recv().unwrap())
            .await
            .unwrap();
        assert!(pool.saturated());
        let refused = pool.run(|| 0).await.unwrap_err();
        assert_eq!(refused.status, axum::http::StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(refused.retry_after, Some(1));
        release_tx.send(()).unwrap();
        assert_eq!(busy.await.unwrap().unwrap(), 7);
        assert!(!pool.saturated());
        assert_eq!(pool.run(|| 1).await.unwrap(), 1);
    }

    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn pool_work_runs_at_a_lower_priority() {
        let pool = CpuPool::new(1, 0);
        // SAFETY: getpriority reads its arguments only; 0 is the calling thread on Linux.
        let nice = pool
            .run(|| unsafe { libc::getpriority(libc::PRIO_PROCESS, 0) })
            .await
            .unwrap();
        assert_eq!(nice, POOL_NICE);
    }

    #[tokio::test]
    async fn a_panic_in_the_work_is_a_500_and_the_pool_goes_on() {
        let pool = CpuPool::new(1, 0);
        let failed = pool.run(|| -> u8 { panic!("boom") }).await.unwrap_err();
        assert_eq!(failed.status, axum::http::StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(pool.run(|| 2).await.unwrap(), 2);
    }
}
