//! The async exports: slow calls (Argon2id, file sealing and opening) run on a thread of
//! their own, never on the caller's (a UI thread, an event loop), and the foreign side awaits
//! them (Kotlin `suspend`, Swift `async`, Python `async def`). Cancelling the foreign task
//! drops the future, which raises the call's cancel flag: file operations stop at their
//! next progress step with `Cancelled` and leave nothing under the destination; a key
//! stretch cannot be interrupted, so it finishes on its thread and its result is dropped.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

use futures_channel::oneshot;

use crate::error::{KeepsakeError, Result};

/// A cancel switch an app holds for one async file operation, for foreign runtimes whose
/// task cancellation does not reach the library (Swift's: the package's
/// `KeepsakeAsync.swift` wires `withTaskCancellationHandler` to it). Kotlin coroutine and
/// Python asyncio cancellation need none: they drop the call's future, which cancels it.
#[derive(Default, uniffi::Object)]
pub struct CancelToken(AtomicBool);

#[uniffi::export]
impl CancelToken {
    /// A token not yet cancelled.
    #[uniffi::constructor]
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// Cancels the operation it was given to (at its next progress step). Idempotent.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    /// Whether `cancel` was called.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// A cancel flag shared by a background call and the future awaiting it, and optionally
/// the app's [`CancelToken`].
#[derive(Clone, Default)]
pub(crate) struct Cancel {
    dropped: Arc<AtomicBool>,
    token: Option<Arc<CancelToken>>,
}

impl Cancel {
    /// Whether the awaiting task was cancelled (dropped, or its token cancelled).
    pub(crate) fn is_set(&self) -> bool {
        self.dropped.load(Ordering::Relaxed)
            || self.token.as_ref().is_some_and(|t| t.is_cancelled())
    }

    fn set(&self) {
        self.dropped.store(true, Ordering::Relaxed);
    }
}

/// The future of a call running on its own thread.
struct Background<T> {
    result: oneshot::Receiver<Result<T>>,
    cancel: Cancel,
}

impl<T> Future for Background<T> {
    type Output = Result<T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.result).poll(cx).map(|r| {
            r.unwrap_or_else(|_| {
                Err(KeepsakeError::Other(
                    "the background thread ended without a result".into(),
                ))
            })
        })
    }
}

impl<T> Drop for Background<T> {
    fn drop(&mut self) {
        // Dropped before completing: the foreign task was cancelled.
        self.cancel.set();
    }
}

/// Runs `work` on a new thread and returns a future of its result.
pub(crate) fn run<T: Send + 'static>(
    work: impl FnOnce(Cancel) -> Result<T> + Send + 'static,
) -> impl Future<Output = Result<T>> {
    run_with(None, work)
}

/// [`run`], also cancelled by `token`.
pub(crate) fn run_with<T: Send + 'static>(
    token: Option<Arc<CancelToken>>,
    work: impl FnOnce(Cancel) -> Result<T> + Send + 'static,
) -> impl Future<Output = Result<T>> {
    let (send, receive) = oneshot::channel();
    let cancel = Cancel {
        dropped: Arc::default(),
        token,
    };
    let flag = cancel.clone();
    let spawned = std::thread::Builder::new()
        .name("keepsake-async".into())
        .spawn(move || {
            // The receiver may be gone (cancelled): the result is then dropped.
            let _ = send.send(work(flag));
        });
    let failed = spawned
        .err()
        .map(|e| KeepsakeError::Other(format!("could not start a background thread: {e}")));
    // Built now, so that dropping the returned future at any point raises the flag.
    let background = Background {
        result: receive,
        cancel,
    };
    async move {
        if let Some(e) = failed {
            return Err(e);
        }
        background.await
    }
}
