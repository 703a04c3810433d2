//! Work done a batch at a time until a batch comes back short: the retention purges, which
//! delete old rows in bounded statements so that no one statement holds locks for long.

use std::future::Future;

/// Runs `step` (which handles at most `batch` items and says how many it did) until one
/// step does fewer than `batch` (at least one); returns the total. The first error stops it.
pub async fn until_short_batch<F, Fut, E>(batch: i64, mut step: F) -> Result<u64, E>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<u64, E>>,
{
    let full = u64::try_from(batch).unwrap_or(0).max(1);
    let mut total = 0;
    loop {
        let done = step().await?;
        total += done;
        if done < full {
            return Ok(total);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(batch: i64, mut sizes: Vec<u64>) -> (Result<u64, ()>, usize) {
        sizes.reverse();
        let mut steps = 0;
        let total = futures_executor(until_short_batch(batch, || {
            steps += 1;
            let size = sizes.pop().expect("no step past a short batch");
            async move { Ok(size) }
        }));
        (total, steps)
    }

    /// The futures here never wait, so one poll finishes them.
    fn futures_executor<T>(future: impl Future<Output = T>) -> T {
        let waker = std::task::Waker::noop();
        let mut context = std::task::Context::from_waker(waker);
        let mut future = std::pin::pin!(future);
        match future.as_mut().poll(&mut context) {
            std::task::Poll::Ready(value) => value,
            std::task::Poll::Pending => unreachable!("the steps never wait"),
        }
    }

    #[test]
    fn stops_at_the_first_short_batch_and_adds_them_up() {
        assert_eq!(run(10, vec![10, 10, 3]), (Ok(23), 3));
        assert_eq!(run(10, vec![0]), (Ok(0), 1));
        assert_eq!(run(0, vec![1, 0]), (Ok(1), 2), "a batch of 0 counts as 1");
    }
}
