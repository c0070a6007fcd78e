//! Applying a delivery in the handler's own task, and finishing it in a task of its own
//! only if the gateway goes away first.
//!
//! A task per delivery would also outlive the connection, but spawning one and waiting
//! for it wakes a second worker thread on every notification; measured through
//! `axum-notify/benches/throughput.sh`, the memory ledger ran at 0.54 - 0.60x the fixed
//! answer that way and 0.65 - 0.68x in place. So the write runs where the delivery
//! arrived, and is handed to a spawned task only when the handler is dropped.

use crate::apply::Outcome;
use std::any::Any;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::task::{Context, Poll};

/// A future that runs to completion even if its caller drops it: polled in place, it hands
/// what is left of itself to a new task when dropped before the end, so a write under way
/// finishes and commits. A panic inside it comes back as [`Panicked`] (the future is then
/// dropped, as a panicking task's would be).
pub(crate) struct Finishing<F: Future<Output: Send> + Send + 'static> {
    running: Option<Pin<Box<F>>>,
}

/// What a panic inside a [`Finishing`] future said.
pub(crate) struct Panicked(pub String);

impl<F: Future<Output: Send> + Send + 'static> Finishing<F> {
    pub(crate) fn new(future: F) -> Self {
        Finishing {
            running: Some(Box::pin(future)),
        }
    }
}

impl<F: Future<Output: Send> + Send + 'static> Future for Finishing<F> {
    type Output = Result<F::Output, Panicked>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let Some(running) = self.running.as_mut() else {
            return Poll::Ready(Err(Panicked("polled after it finished".to_owned())));
        };
        let polled = catch_unwind(AssertUnwindSafe(|| running.as_mut().poll(cx)));
        match polled {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(output)) => {
                self.running = None;
                Poll::Ready(Ok(output))
            }
            Err(payload) => {
                self.running = None;
                Poll::Ready(Err(Panicked(panic_text(payload.as_ref()))))
            }
        }
    }
}

impl<F: Future<Output: Send> + Send + 'static> Drop for Finishing<F> {
    fn drop(&mut self) {
        let Some(running) = self.running.take() else {
            return;
        };
        // The first poll in the new task registers its waker in place of the handler's.
        // Without a runtime (it is shutting down) the rest is dropped, as a crash would
        // drop it: a claim then ends with its lease, a transaction rolls back.
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                running.await;
            });
        }
    }
}

fn panic_text(payload: &(dyn Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "a panic without a message".to_owned()
    }
}

/// Runs `applying` to the end even if the caller is dropped; a panic inside it is logged
/// and comes back as [`Outcome::NotApplied`].
pub(crate) async fn to_the_end(
    applying: impl Future<Output = Outcome> + Send + 'static,
    what: &str,
    subject: &str,
) -> Outcome {
    match Finishing::new(applying).await {
        Ok(outcome) => outcome,
        Err(Panicked(panic)) => {
            tracing::error!(%subject, %panic, "applying the {what} panicked");
            Outcome::NotApplied
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Finishing, Panicked};
    use std::time::Duration;
    use tokio::sync::oneshot;

    #[tokio::test]
    async fn a_future_dropped_half_way_finishes_in_a_task_of_its_own() {
        let (go, wait) = oneshot::channel::<()>();
        let (finished, done) = oneshot::channel::<&str>();
        let write = Finishing::new(async move {
            wait.await.expect("the test sends go");
            finished.send("committed").expect("the test waits");
        });
        // Polled until it waits, then dropped, as a closed connection drops its handler.
        let gave_up = tokio::time::timeout(Duration::from_millis(20), write).await;
        assert!(gave_up.is_err(), "the write was still waiting");
        go.send(()).expect("the write is still alive");
        assert_eq!(done.await, Ok("committed"));
    }

    #[tokio::test]
    async fn a_panic_comes_back_as_panicked_with_its_message() {
        let order = String::from("ORDER-7");
        let outcome = Finishing::new(async move {
            tokio::task::yield_now().await;
            panic!("the shop panicked on {order}");
        })
        .await;
        let Err(Panicked(text)) = outcome else {
            panic!("the panic was not caught");
        };
        assert_eq!(text, "the shop panicked on ORDER-7");
    }

    #[tokio::test]
    async fn a_finished_future_gives_its_output() {
        let outcome = Finishing::new(async { 6 * 7 }).await;
        assert!(matches!(outcome, Ok(42)));
    }
}
