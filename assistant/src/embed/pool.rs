//! A bounded pool for CPU-heavy work: at most N jobs run at once, each on tokio's
//! blocking threads, so model inference never occupies the async runtime's workers
//! and a burst of requests queues instead of spawning unbounded threads.

use std::sync::Arc;
use tokio::sync::Semaphore;

#[derive(Clone)]
pub struct BlockingPool {
    permits: Arc<Semaphore>,
    size: usize,
}

impl BlockingPool {
    pub fn new(size: usize) -> Self {
        let size = size.max(1);
        Self { permits: Arc::new(Semaphore::new(size)), size }
    }

    pub fn size(&self) -> usize {
        self.size
    }

    /// Runs `job` on a blocking thread once a permit is free; `assistant_embed_queue`
    /// gauges how many jobs wait.
    pub async fn run<T, F>(&self, job: F) -> anyhow::Result<T>
    where
        F: FnOnce() -> anyhow::Result<T> + Send + 'static,
        T: Send + 'static,
    {
        let waiting = metrics::gauge!("assistant_embed_queue");
        waiting.increment(1.0);
        let permit = self.permits.clone().acquire_owned().await;
        waiting.decrement(1.0);
        let permit = permit?;
        let result = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            job()
        })
        .await?;
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn never_runs_more_jobs_than_its_size() {
        let pool = BlockingPool::new(2);
        let running = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let jobs = (0..8).map(|_| {
            let (pool, running, peak) = (pool.clone(), running.clone(), peak.clone());
            tokio::spawn(async move {
                pool.run(move || {
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    peak.fetch_max(now, Ordering::SeqCst);
                    std::thread::sleep(std::time::Duration::from_millis(20));
                    running.fetch_sub(1, Ordering::SeqCst);
                    Ok(())
                })
                .await
            })
        });
        for job in jobs.collect::<Vec<_>>() {
            job.await.unwrap().unwrap();
        }
        assert_eq!(peak.load(Ordering::SeqCst), 2);
    }
}
