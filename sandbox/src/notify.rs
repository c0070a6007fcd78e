//! Notification delivery: POST to the merchant's `notify_url`, retrying with back-off
//! until the merchant acknowledges the way the gateway expects, from a bounded pool.

use crate::config::RetryConfig;
use crate::post_once;
use crate::state::{Delivery, Orders};
use paywire::client::{Client, ClientOptions};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// How the merchant acknowledges.
#[derive(Debug, Clone, Copy)]
pub enum Ack {
    /// A 2xx answer whose body, trimmed, is exactly this text (`success`, `ok`).
    Text(&'static str),
    /// Any 2xx answer (WeChat Pay v3).
    Http2xx,
}

/// Signs a notification's body for one delivery attempt: the headers to send with it.
pub type SignAttempt = Arc<dyn Fn(&[u8]) -> Vec<(&'static str, String)> + Send + Sync>;

/// A notification's extra headers.
#[derive(Clone)]
pub enum Headers {
    /// The same on every attempt: none for the gateways that sign inside the body.
    Fixed(Vec<(&'static str, String)>),
    /// Made again for every attempt: WeChat Pay v3 signs each delivery with the time it
    /// is made and a nonce of its own, and merchants refuse a timestamp more than five
    /// minutes off, so a retry sent with the first attempt's headers would be stale.
    PerAttempt(SignAttempt),
}

impl Headers {
    /// The headers for an attempt made now at sending `body`.
    pub fn for_attempt(&self, body: &[u8]) -> Vec<(&'static str, String)> {
        match self {
            Headers::Fixed(headers) => headers.clone(),
            Headers::PerAttempt(sign) => sign(body),
        }
    }
}

impl std::fmt::Debug for Headers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Headers::Fixed(headers) => f.debug_tuple("Fixed").field(headers).finish(),
            Headers::PerAttempt(_) => f.write_str("PerAttempt"),
        }
    }
}

/// A notification ready to send.
#[derive(Debug, Clone)]
pub struct Outgoing {
    /// The merchant's `notify_url`.
    pub url: String,
    /// `Content-Type`.
    pub content_type: &'static str,
    /// Extra headers (v3 `Wechatpay-*`, signed for each attempt).
    pub headers: Headers,
    /// The body.
    pub body: Vec<u8>,
    /// The expected acknowledgement.
    pub ack: Ack,
}

/// One attempt waiting to be made.
struct Job {
    id: String,
    outgoing: Arc<Outgoing>,
    attempt: u32,
}

/// A job and when it is due; ordered by that time, then by arrival.
struct Due {
    at: Instant,
    seq: u64,
    job: Job,
}

impl PartialEq for Due {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}
impl Eq for Due {}
impl PartialOrd for Due {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Due {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.at, self.seq).cmp(&(other.at, other.seq))
    }
}

/// The notification sender: a fixed pool of `retry.workers` tasks, each making one attempt
/// at a time over a connection of its own ([`post_once`]), so at most that many
/// deliveries, and connections, are open however many orders are paid at once. Attempts waiting for their back-off sit in one timer queue, not each
/// in a task or a connection of its own. Dropping it stops every delivery not yet made.
pub struct Deliveries {
    schedule: mpsc::UnboundedSender<(Instant, Job)>,
    /// Notifications queued and not yet acknowledged or given up.
    pending: Arc<AtomicUsize>,
}

impl Deliveries {
    /// Starts the pool; deliveries are recorded in `orders`.
    pub fn start(orders: Arc<Orders>, retry: RetryConfig) -> Deliveries {
        let (schedule, scheduled) = mpsc::unbounded_channel();
        let workers = retry.workers.max(1);
        let (work, jobs) = mpsc::channel::<Job>(workers);
        let jobs = Arc::new(tokio::sync::Mutex::new(jobs));
        let options = ClientOptions {
            timeout: Duration::from_millis(retry.timeout_ms),
            // A proxy from the environment would carry deliveries off the machine.
            proxy_from_env: false,
            // A connection per delivery, closed after it: kept connections would add to
            // the pool's, beyond its bound, whenever merchants close some of theirs.
            keep_alive: false,
            ..ClientOptions::default()
        };
        let client = Client::with_options(options).map_err(|e| e.to_string());
        let pending = Arc::new(AtomicUsize::new(0));
        for _ in 0..workers {
            let worker = Worker {
                orders: orders.clone(),
                retry,
                client: client.clone(),
                retries: schedule.downgrade(),
                pending: pending.clone(),
            };
            tokio::spawn(worker.run(jobs.clone()));
        }
        tokio::spawn(dispatch(scheduled, work));
        Deliveries { schedule, pending }
    }

    /// Queues the first attempt of `outgoing`, the notification of order `id`.
    pub fn send(&self, id: String, outgoing: Outgoing) {
        self.send_copies(id, outgoing, 1);
    }

    /// Queues the first attempts of `copies` copies of `outgoing` at once, each delivered
    /// and retried on its own.
    pub fn send_copies(&self, id: String, outgoing: Outgoing, copies: u32) {
        let outgoing = Arc::new(outgoing);
        for _ in 0..copies {
            let job = Job {
                id: id.clone(),
                outgoing: outgoing.clone(),
                attempt: 1,
            };
            // The dispatcher ends only once this sender is gone.
            if self.schedule.send((Instant::now(), job)).is_ok() {
                self.pending.fetch_add(1, Ordering::SeqCst);
            }
        }
    }

    /// Notifications queued and not yet acknowledged or given up (waiting for an attempt,
    /// being attempted, or waiting for the next one).
    pub fn pending(&self) -> usize {
        self.pending.load(Ordering::SeqCst)
    }
}

/// Hands each job to a worker once it is due, earliest first, until the [`Deliveries`]
/// is dropped.
async fn dispatch(mut scheduled: mpsc::UnboundedReceiver<(Instant, Job)>, work: mpsc::Sender<Job>) {
    let mut waiting: BinaryHeap<Reverse<Due>> = BinaryHeap::new();
    let mut seq = 0u64;
    loop {
        let next_due = waiting.peek().map(|Reverse(due)| due.at);
        tokio::select! {
            received = scheduled.recv() => match received {
                Some((at, job)) => {
                    seq += 1;
                    waiting.push(Reverse(Due { at, seq, job }));
                }
                None => return,
            },
            () = sleep_until(next_due), if next_due.is_some() => {
                while let Some(Reverse(due)) = waiting.peek() {
                    if due.at > Instant::now() {
                        break;
                    }
                    let Some(Reverse(due)) = waiting.pop() else { break };
                    if work.send(due.job).await.is_err() {
                        return;
                    }
                }
            }
        }
    }
}

async fn sleep_until(at: Option<Instant>) {
    if let Some(at) = at {
        tokio::time::sleep_until(at.into()).await;
    }
}

/// One of the pool's tasks: takes a due attempt, makes it, records it, and queues the
/// next attempt when the merchant did not acknowledge.
struct Worker {
    orders: Arc<Orders>,
    retry: RetryConfig,
    client: Result<Client, String>,
    retries: mpsc::WeakUnboundedSender<(Instant, Job)>,
    pending: Arc<AtomicUsize>,
}

impl Worker {
    /// The notification of order `id` is acknowledged or given up: no longer pending.
    fn finish(&self, id: &str) {
        self.orders.settle(id);
        self.pending.fetch_sub(1, Ordering::SeqCst);
    }

    async fn run(self, jobs: Arc<tokio::sync::Mutex<mpsc::Receiver<Job>>>) {
        loop {
            let Some(job) = jobs.lock().await.recv().await else {
                return;
            };
            let delivery = match &self.client {
                Ok(client) => {
                    let timeout = Duration::from_millis(self.retry.timeout_ms);
                    attempt_once(client, &job.outgoing, job.attempt, timeout).await
                }
                Err(e) => {
                    Delivery::unanswered(job.attempt, format!("cannot build the HTTP client: {e}"))
                }
            };
            let done = delivery.acknowledged;
            self.orders.record(&job.id, delivery);
            if done || job.attempt >= self.retry.max_attempts {
                self.finish(&job.id);
                continue;
            }
            let Some(retries) = self.retries.upgrade() else {
                return;
            };
            // The configuration bounds the delay to a day; a clock that cannot add even
            // that gives up rather than panics.
            let Some(at) = Instant::now().checked_add(self.retry.delay_after(job.attempt)) else {
                self.finish(&job.id);
                continue;
            };
            let next = Job {
                attempt: job.attempt + 1,
                ..job
            };
            let _ = retries.send((at, next));
        }
    }
}

/// One delivery attempt: over a connection of its own for `http://` (closed the moment the
/// attempt ends or times out, so the pool's workers never hold more connections than
/// there are workers), through the pooled client for `https://`.
async fn attempt_once(
    client: &Client,
    outgoing: &Outgoing,
    attempt: u32,
    timeout: Duration,
) -> Delivery {
    // Orders were refused unless their notify_url is on loopback; checked again here, at
    // the one place that connects, so no path can deliver anywhere else.
    let url = match crate::loopback::target(&outgoing.url) {
        Ok(url) => url,
        Err(rule) => return Delivery::unanswered(attempt, format!("not delivered: {rule}")),
    };
    let answered = if post_once::takes(&url) {
        let mut headers = vec![(
            http::header::CONTENT_TYPE.as_str(),
            outgoing.content_type.to_owned(),
        )];
        headers.extend(outgoing.headers.for_attempt(&outgoing.body));
        let post = post_once::post(&url, &headers, outgoing.body.clone());
        match tokio::time::timeout(timeout, post).await {
            Ok(Ok((status, body))) => Ok((status, body.to_vec())),
            Ok(Err(e)) => Err(e.to_string()),
            Err(_) => Err(format!("timed out after {} ms", timeout.as_millis())),
        }
    } else {
        let mut request =
            http::Request::post(&url).header(http::header::CONTENT_TYPE, outgoing.content_type);
        for (name, value) in outgoing.headers.for_attempt(&outgoing.body) {
            request = request.header(name, value);
        }
        let request = match request.body(outgoing.body.clone()) {
            Ok(r) => r,
            Err(e) => return Delivery::unanswered(attempt, format!("bad notify_url: {e}")),
        };
        client
            .send(request)
            .await
            .map(|answer| (answer.status(), answer.into_body()))
            .map_err(|e| e.to_string())
    };
    match answered {
        Ok((status, body)) => {
            let answer = String::from_utf8_lossy(&body).into_owned();
            let acknowledged = status.is_success()
                && match outgoing.ack {
                    Ack::Text(expected) => answer.trim() == expected,
                    Ack::Http2xx => true,
                };
            Delivery {
                attempt,
                status: Some(status.as_u16()),
                answer: answer.chars().take(200).collect(),
                acknowledged,
            }
        }
        Err(e) => Delivery::unanswered(attempt, format!("transport error: {e}")),
    }
}
