//! The accept loop under the HTTP layer: a cap on open connections, the header-read and
//! keep-alive timeouts, and a graceful shutdown with a deadline. `axum::serve` has none of
//! these knobs, so each connection is served here with hyper's HTTP/1 connection directly.
//!
//! hyper's own `header_read_timeout` starts whenever a connection waits for a request, so it
//! would also cut kept-alive connections after a few seconds, below the idle timeout of the
//! proxies in front of us (which then race a closing socket). A small per-connection watchdog
//! tells the two apart instead: until a request's headers are in, the connection must deliver
//! them within the header-read timeout, counted from its start or from the first byte of a
//! later request; between requests it may idle for the keep-alive timeout; and a response
//! the client stops reading is given up after the send timeout. Request bodies have their
//! own timeout where they are read (`http/extract.rs`), so a stalled body is answered 408.

use std::io;
use std::pin::{Pin, pin};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use hyper::body::{Body as HttpBody, Frame, Incoming, SizeHint};
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, watch};
use tokio::time::Instant;

use crate::config::Limits;

/// File descriptors kept free for the database, log and static files when the connection
/// cap is fitted under the process's open-file limit.
const RESERVED_FDS: u64 = 64;

/// How long the accept loop pauses after an accept error such as "too many open files", so
/// that it does not spin while it waits for a descriptor to come free.
const ACCEPT_ERROR_PAUSE: Duration = Duration::from_millis(200);

/// After the shutdown deadline: how long the forced closes may take before `serve` returns.
const FORCED_CLOSE_GRACE: Duration = Duration::from_secs(1);

/// Where the server is in its life, as every connection sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Accepting and serving.
    Serving,
    /// No new connections; requests in flight finish, idle connections close.
    Draining,
    /// The deadline passed: every connection closes now.
    Closing,
}

/// Why a connection ended, for the metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Closed {
    /// The client or hyper closed it in the normal way.
    Normal,
    /// Its request headers did not arrive in time.
    HeaderTimeout,
    /// It sat idle between requests for too long.
    KeepAliveTimeout,
    /// The client stopped reading its response.
    SendTimeout,
    /// The server stopped.
    Shutdown,
    /// A protocol or socket error.
    Error,
}

impl Closed {
    fn label(self) -> &'static str {
        match self {
            Closed::Normal => "normal",
            Closed::HeaderTimeout => "header_timeout",
            Closed::KeepAliveTimeout => "keep_alive_timeout",
            Closed::SendTimeout => "send_timeout",
            Closed::Shutdown => "shutdown",
            Closed::Error => "error",
        }
    }
}

/// The connection cap that fits this process: `requested`, unless the open-file limit is too
/// low for it. The soft limit is raised towards the hard one first (as Go's runtime does);
/// when that is not enough the cap is lowered, with a warning, so that accepting can never
/// run the process out of descriptors for its database.
pub fn fit_connection_cap(requested: usize) -> usize {
    use rustix::process::{Resource, getrlimit, setrlimit};
    let wanted = requested as u64 + RESERVED_FDS;
    let mut limit = getrlimit(Resource::Nofile);
    let Some(current) = limit.current else { return requested };
    if current < wanted {
        let raised = limit.maximum.map_or(wanted, |max| max.min(wanted));
        if raised > current {
            limit.current = Some(raised);
            if setrlimit(Resource::Nofile, limit).is_ok() {
                return fit_connection_cap(requested);
            }
        }
        let cap = usize::try_from(current.saturating_sub(RESERVED_FDS)).unwrap_or(usize::MAX).max(1);
        tracing::warn!(
            requested,
            cap,
            open_file_limit = current,
            "the open-file limit (ulimit -n) is too low for --max-connections; capping connections lower"
        );
        return cap;
    }
    requested
}

/// Serves `router` on `listener` until `stop` completes (or its sender is dropped), then
/// drains: stops accepting, lets requests in flight finish for up to
/// `limits.shutdown_timeout`, closes whatever is still open, and returns.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    stop: impl std::future::Future<Output = ()>,
) -> io::Result<()> {
    let cap = limits.max_connections.clamp(1, Semaphore::MAX_PERMITS.min(u32::MAX as usize));
    let slots = Arc::new(Semaphore::new(cap));
    let (phase, phase_receiver) = watch::channel(Phase::Serving);
    let mut stop = pin!(stop);
    let mut cap_log = LogEvery::new();
    let mut error_log = LogEvery::new();
    loop {
        if slots.available_permits() == 0 {
            metrics::counter!("stampcard_http_connection_limit_reached_total").increment(1);
            if cap_log.due() {
                tracing::warn!(max_connections = cap, "connection cap reached; new clients wait until one closes");
            }
        }
        let slot = tokio::select! {
            biased;
            () = &mut stop => break,
            slot = slots.clone().acquire_owned() => slot.map_err(io::Error::other)?,
        };
        let accepted = tokio::select! {
            biased;
            () = &mut stop => break,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok((stream, peer)) => {
                // Responses are small and written whole: send them at once.
                let _ = stream.set_nodelay(true);
                tokio::spawn(serve_connection(stream, peer, router.clone(), limits, phase_receiver.clone(), slot));
            }
            // The client gave up between connecting and our accept: nothing to do.
            Err(error) if is_connection_error(&error) => {}
            Err(error) => {
                metrics::counter!("stampcard_http_accept_errors_total").increment(1);
                if error_log.due() {
                    tracing::error!(%error, "accepting a connection failed; pausing accepts briefly");
                }
                drop(slot);
                tokio::select! {
                    () = &mut stop => break,
                    () = tokio::time::sleep(ACCEPT_ERROR_PAUSE) => {}
                }
            }
        }
    }
    drop(listener);
    phase.send_replace(Phase::Draining);
    let all = u32::try_from(cap).unwrap_or(u32::MAX);
    if tokio::time::timeout(limits.shutdown_timeout, slots.acquire_many(all)).await.is_err() {
        let open = cap - slots.available_permits();
        tracing::warn!(open, "closing the connections still open at the shutdown deadline");
        phase.send_replace(Phase::Closing);
        let _ = tokio::time::timeout(FORCED_CLOSE_GRACE, slots.acquire_many(all)).await;
    }
    Ok(())
}

/// At most one log line per [`LOG_EVERY`] for a condition that may repeat on every accept.
struct LogEvery {
    last: Option<Instant>,
}

/// How often a repeating accept-loop condition is logged (the metrics count every one).
const LOG_EVERY: Duration = Duration::from_secs(10);

impl LogEvery {
    fn new() -> LogEvery {
        LogEvery { last: None }
    }

    fn due(&mut self) -> bool {
        let due = self.last.is_none_or(|at| at.elapsed() >= LOG_EVERY);
        if due {
            self.last = Some(Instant::now());
        }
        due
    }
}

fn is_connection_error(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::ConnectionRefused | io::ErrorKind::ConnectionAborted | io::ErrorKind::ConnectionReset
    )
}

/// Serves one connection until it ends, its watchdog fires, or the server stops.
async fn serve_connection(
    stream: TcpStream,
    peer: std::net::SocketAddr,
    router: Router,
    limits: Limits,
    mut phase: watch::Receiver<Phase>,
    _slot: OwnedSemaphorePermit,
) {
    let open = metrics::gauge!("stampcard_http_connections_open");
    open.increment(1.0);
    metrics::counter!("stampcard_http_connections_total").increment(1);
    let activity = Arc::new(Activity::new());
    let io = TokioIo::new(TrackedIo { inner: stream, activity: activity.clone() });
    let service = {
        let activity = activity.clone();
        tower::service_fn(move |mut request: Request<Incoming>| {
            // The client's address, for the stamp page's per-address limits.
            request.extensions_mut().insert(axum::extract::ConnectInfo(peer));
            let guard = RequestGuard::start(activity.clone());
            let router = router.clone();
            async move {
                let response = tower::ServiceExt::oneshot(router, request.map(Body::new)).await?;
                Ok::<_, std::convert::Infallible>(response.map(|body| Body::new(GuardedBody { body, _guard: guard })))
            }
        })
    };
    let mut builder = hyper::server::conn::http1::Builder::new();
    // The watchdog below times header reads (see the module comment).
    builder.header_read_timeout(None);
    let mut connection = pin!(builder.serve_connection(io, TowerToHyperService::new(service)));
    let mut watchdog = pin!(watchdog(&activity, limits));
    let mut draining = false;
    let closed = loop {
        tokio::select! {
            result = connection.as_mut() => break match result {
                Ok(()) => Closed::Normal,
                Err(error) => {
                    tracing::debug!(%error, "connection ended with an error");
                    Closed::Error
                }
            },
            closed = &mut watchdog => break closed,
            changed = phase.changed() => {
                let now = if changed.is_ok() { *phase.borrow_and_update() } else { Phase::Closing };
                match now {
                    Phase::Serving => {}
                    Phase::Draining if !draining => {
                        draining = true;
                        // hyper finishes the request in flight, then closes instead of keeping alive.
                        connection.as_mut().graceful_shutdown();
                        if activity.lock().is_waiting_silently() {
                            break Closed::Shutdown;
                        }
                    }
                    Phase::Draining => {}
                    Phase::Closing => break Closed::Shutdown,
                }
            }
        }
    };
    metrics::counter!("stampcard_http_connections_closed_total", "reason" => closed.label()).increment(1);
    open.decrement(1.0);
}

/// What a connection is doing, as its watchdog needs to know.
#[derive(Debug)]
struct State {
    /// Requests whose response has not been sent whole.
    in_flight: usize,
    /// Requests answered on this connection so far.
    served: u64,
    /// When the connection last started waiting for a request (accepted, or answered).
    waiting_since: Instant,
    /// The first byte read since then.
    first_byte: Option<Instant>,
    /// Since when a write has waited for the client to read (its socket buffer is full).
    write_blocked_since: Option<Instant>,
}

impl State {
    /// No request in flight and nothing of the next one received.
    fn is_waiting_silently(&self) -> bool {
        self.in_flight == 0 && self.first_byte.is_none()
    }

    /// When the connection must be closed, and why; `None` while a request is in flight
    /// (its body has the body timeout, its handler runs to completion) and its response, if
    /// any, is read.
    fn deadline(&self, limits: Limits) -> Option<(Instant, Closed)> {
        if let Some(blocked_since) = self.write_blocked_since {
            Some((blocked_since + limits.send_timeout, Closed::SendTimeout))
        } else if self.in_flight > 0 {
            None
        } else if self.served == 0 {
            Some((self.waiting_since + limits.header_read_timeout, Closed::HeaderTimeout))
        } else if let Some(first_byte) = self.first_byte {
            Some((first_byte + limits.header_read_timeout, Closed::HeaderTimeout))
        } else {
            Some((self.waiting_since + limits.keep_alive_timeout, Closed::KeepAliveTimeout))
        }
    }
}

/// A connection's [`State`], shared by its socket, its requests and its watchdog.
#[derive(Debug)]
struct Activity {
    state: Mutex<State>,
    changed: Notify,
}

impl Activity {
    fn new() -> Activity {
        Activity {
            state: Mutex::new(State {
                in_flight: 0,
                served: 0,
                waiting_since: Instant::now(),
                first_byte: None,
                write_blocked_since: None,
            }),
            changed: Notify::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // The state stays consistent even if a holder panicked: every update is one assignment.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Waits until the connection's deadline passes and says why.
async fn watchdog(activity: &Activity, limits: Limits) -> Closed {
    loop {
        let deadline = activity.lock().deadline(limits);
        match deadline {
            None => activity.changed.notified().await,
            Some((at, reason)) => {
                if at <= Instant::now() {
                    return reason;
                }
                tokio::select! {
                    () = tokio::time::sleep_until(at) => {}
                    () = activity.changed.notified() => {}
                }
            }
        }
    }
}

/// Counts a request as in flight from the moment hyper hands it over until its response
/// body is finished (or dropped).
struct RequestGuard {
    activity: Arc<Activity>,
}

impl RequestGuard {
    fn start(activity: Arc<Activity>) -> RequestGuard {
        activity.lock().in_flight += 1;
        activity.changed.notify_one();
        RequestGuard { activity }
    }
}

impl Drop for RequestGuard {
    fn drop(&mut self) {
        let mut state = self.activity.lock();
        state.in_flight = state.in_flight.saturating_sub(1);
        state.served += 1;
        if state.in_flight == 0 {
            state.waiting_since = Instant::now();
            state.first_byte = None;
        }
        drop(state);
        self.activity.changed.notify_one();
    }
}

/// A response body that holds its request's [`RequestGuard`].
struct GuardedBody {
    body: Body,
    _guard: RequestGuard,
}

impl HttpBody for GuardedBody {
    type Data = axum::body::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

/// The socket, noting the first byte of each request and writes the client does not read,
/// for the watchdog.
struct TrackedIo {
    inner: TcpStream,
    activity: Arc<Activity>,
}

impl TrackedIo {
    /// Starts the send clock when a write waits, stops it when one goes through.
    fn note_write(&self, result: &Poll<io::Result<usize>>) {
        let blocked = match result {
            Poll::Pending => true,
            Poll::Ready(Ok(written)) if *written > 0 => false,
            Poll::Ready(_) => return,
        };
        let mut state = self.activity.lock();
        if state.write_blocked_since.is_some() != blocked {
            state.write_blocked_since = blocked.then(Instant::now);
            drop(state);
            self.activity.changed.notify_one();
        }
    }
}

impl AsyncRead for TrackedIo {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let result = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(result, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            let mut state = self.activity.lock();
            if state.in_flight == 0 && state.first_byte.is_none() {
                state.first_byte = Some(Instant::now());
                drop(state);
                self.activity.changed.notify_one();
            }
        }
        result
    }
}

impl AsyncWrite for TrackedIo {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let result = Pin::new(&mut self.inner).poll_write(cx, buf);
        self.note_write(&result);
        result
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let result = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        self.note_write(&result);
        result
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits {
            header_read_timeout: Duration::from_secs(10),
            keep_alive_timeout: Duration::from_secs(75),
            send_timeout: Duration::from_secs(30),
            ..Limits::default()
        }
    }

    #[tokio::test]
    async fn deadlines_follow_the_connection_state() {
        let start = Instant::now();
        let mut state =
            State { in_flight: 0, served: 0, waiting_since: start, first_byte: None, write_blocked_since: None };
        let secs = Duration::from_secs;
        // A new connection must deliver its first headers within the header timeout, even
        // byte by byte.
        assert_eq!(state.deadline(limits()), Some((start + secs(10), Closed::HeaderTimeout)));
        state.first_byte = Some(start + secs(5));
        assert_eq!(state.deadline(limits()), Some((start + secs(10), Closed::HeaderTimeout)));
        // While a request runs nothing is timed here.
        state.in_flight = 1;
        assert_eq!(state.deadline(limits()), None);
        // Kept alive: the idle timeout, until the next request's first byte.
        state = State { in_flight: 0, served: 1, waiting_since: start, first_byte: None, write_blocked_since: None };
        assert_eq!(state.deadline(limits()), Some((start + secs(75), Closed::KeepAliveTimeout)));
        state.first_byte = Some(start + secs(30));
        assert_eq!(state.deadline(limits()), Some((start + secs(40), Closed::HeaderTimeout)));
        // A response the client does not read, in flight or not.
        state.in_flight = 1;
        state.write_blocked_since = Some(start + secs(50));
        assert_eq!(state.deadline(limits()), Some((start + secs(80), Closed::SendTimeout)));
    }
}
