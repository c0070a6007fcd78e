//! Notifications delivered again: each attempt of a WeChat Pay v3 notification is signed
//! when it is made (a retry hours later is not stale), a paid order's notification sent
//! again on request, several copies at once, as gateways do, is verified every time and
//! written once, and the copies waiting are bounded. A refund notified while the
//! merchant's books are down, perhaps before its payment is applied, is written once
//! when they are back (in the shop's transaction after its payment).

#[path = "support/orders.rs"]
mod orders;

use axum::body::Bytes;
use axum::extract::State;
use http::{HeaderMap, StatusCode};
use paywire::client::Client;
use paywire::ledger::{Ledger, Payment, RefundOutcome};
use paywire::{Fen, Secret};
use paywire_axum::{Notifications, Order, Shop, SqlShop};
use paywire_sandbox::config::RetryConfig;
use paywire_sandbox::state::unix_now;
use paywire_sandbox::{Gateway, Sandbox, SandboxConfig};
use sqlx::Sqlite;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

mod support;

/// What a recording merchant received: when (Unix seconds), the headers and the body.
type Received = Arc<Mutex<Vec<(i64, HeaderMap, Bytes)>>>;

/// A merchant on loopback that records every delivery and answers 500 to the first
/// `refuse` of them, 200 `success` after; its notify URL.
async fn recording_merchant(refuse: usize) -> (String, Received) {
    let received: Received = Arc::default();
    let app = axum::Router::new()
        .route(
            "/notify",
            axum::routing::post(
                |State((received, refuse)): State<(Received, usize)>,
                 headers: HeaderMap,
                 body: Bytes| async move {
                    let mut received = received.lock().unwrap();
                    received.push((unix_now(), headers, body));
                    if received.len() <= refuse {
                        (StatusCode::INTERNAL_SERVER_ERROR, "not yet")
                    } else {
                        (StatusCode::OK, "success")
                    }
                },
            ),
        )
        .with_state((received.clone(), refuse));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/notify", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, received)
}

async fn received_at_least(received: &Received, n: usize, within: Duration) -> usize {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let count = received.lock().unwrap().len();
        if count >= n || tokio::time::Instant::now() >= deadline {
            return count;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn header(headers: &HeaderMap, name: &str) -> String {
    headers[name].to_str().unwrap().to_owned()
}

/// WeChat Pay signs each delivery of a notification when it makes it; a merchant refuses
/// a timestamp more than five minutes from its clock. A retry sent with the first
/// attempt's headers would be refused as stale once the retries outlast that window
/// (the configuration allows delays of up to a day), and the payment never applied.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_attempt_of_a_v3_notification_is_signed_when_it_is_made() {
    let (notify, received) = recording_merchant(1).await;
    // The retry 4 s after the first attempt: a reused timestamp is at least 4 s old when
    // it arrives, one made for the attempt at most the attempt's own latency.
    let config = SandboxConfig {
        retry: RetryConfig {
            first_delay_ms: 4_000,
            ..RetryConfig::default()
        },
        ..SandboxConfig::default()
    };
    let sandbox = Sandbox::start(config, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let client = Client::new().unwrap();
    let placed = orders::place(
        &sandbox,
        &client,
        Gateway::WECHAT_GLOBAL,
        "RESIGN-1",
        &notify,
    )
    .await;
    sandbox.pay(&placed.number).unwrap();
    assert_eq!(
        received_at_least(&received, 2, Duration::from_secs(15)).await,
        2
    );

    let receiver = orders::wechat_global_receiver(&sandbox);
    let received = received.lock().unwrap().clone();
    for (arrived, headers, body) in &received {
        receiver
            .verify(headers, body, *arrived)
            .expect("authentic when it arrives");
        let signed: i64 = header(headers, "Wechatpay-Timestamp").parse().unwrap();
        assert!(
            (arrived - signed).abs() <= 2,
            "signed at {signed}, arrived at {arrived}: a retry carries the time it is made"
        );
    }
    let (first, second) = (&received[0], &received[1]);
    assert_eq!(first.2, second.2, "the same notification");
    assert_ne!(
        header(&first.1, "Wechatpay-Nonce"),
        header(&second.1, "Wechatpay-Nonce"),
        "each attempt has a nonce of its own"
    );
}

/// What the merchant placed, and how often it wrote each payment (by order number) and
/// each refund's success (by refund number).
/// While `down`, every write fails, as with the merchant's database unreachable.
#[derive(Default)]
struct Known {
    orders: Mutex<HashMap<String, Order>>,
    writes: Mutex<HashMap<String, u32>>,
    down: std::sync::atomic::AtomicBool,
}

impl Known {
    fn write(&self, what: &str) -> Result<(), String> {
        if self.is_down() {
            return Err("connection refused".into());
        }
        *self.writes.lock().unwrap().entry(what.into()).or_default() += 1;
        Ok(())
    }

    fn is_down(&self) -> bool {
        self.down.load(std::sync::atomic::Ordering::SeqCst)
    }
}

impl Shop for Known {
    async fn order(&self, payment: &Payment) -> Option<Order> {
        self.orders.lock().unwrap().get(&payment.order).cloned()
    }

    async fn apply(&self, payment: &Payment) -> Result<(), String> {
        self.write(&payment.order)
    }

    async fn refunded(&self, refund: &RefundOutcome) -> Result<(), String> {
        self.write(&refund.refund_no)
    }
}

/// The same merchant writing in its SQLite file, in the ledger's transaction.
struct SqlKnown(Arc<Known>);

impl SqlShop<Sqlite> for SqlKnown {
    async fn order(&self, payment: &Payment) -> Option<Order> {
        self.0.order(payment).await
    }

    async fn apply(
        &self,
        tx: &mut sqlx::Transaction<'static, Sqlite>,
        payment: &Payment,
    ) -> Result<(), String> {
        if self.0.is_down() {
            return Err("connection refused".into());
        }
        insert_write(tx, &payment.order).await
    }

    async fn refunded(
        &self,
        tx: &mut sqlx::Transaction<'static, Sqlite>,
        refund: &RefundOutcome,
    ) -> Result<(), String> {
        if self.0.is_down() {
            return Err("connection refused".into());
        }
        insert_write(tx, &refund.refund_no).await
    }
}

async fn insert_write(
    tx: &mut sqlx::Transaction<'static, Sqlite>,
    what: &str,
) -> Result<(), String> {
    sqlx::query("INSERT INTO shop_writes (what) VALUES (?1)")
        .bind(what)
        .execute(&mut **tx)
        .await
        .map(drop)
        .map_err(|e| e.to_string())
}

type Boxed<T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send>>;
/// How often the merchant's books hold a write of `what` (an order or refund number).
type Writes = Box<dyn Fn(&str) -> Boxed<u32> + Send + Sync>;

/// How many copies of each notification the sandbox sends again at once.
const COPIES: u32 = 8;

/// The merchant's routes for the four gateways, once the sandbox (and so its keys) is
/// known.
type Routes = Box<dyn FnOnce(&Sandbox) -> axum::Router + Send>;

/// A merchant that keeps the "applied" mark in a separate memory ledger.
fn separate_ledger_merchant() -> (Arc<Known>, Routes, Writes) {
    let known = Arc::new(Known::default());
    let counted = known.clone();
    let writes: Writes = Box::new(move |what| {
        let n = counted
            .writes
            .lock()
            .unwrap()
            .get(what)
            .copied()
            .unwrap_or(0);
        Box::pin(async move { n })
    });
    let shop = known.clone();
    let routes: Routes = Box::new(move |sandbox: &Sandbox| {
        orders::receivers(sandbox)
            .into_iter()
            .fold(Notifications::new(shop, Ledger::in_memory()), |n, r| {
                n.receive(r)
            })
            .router()
    });
    (known, routes, writes)
}

/// A merchant that writes in its SQLite file, in the ledger's transaction; the file's
/// pool and folder (to remove at the end).
async fn sql_merchant(
    name: &str,
) -> (
    Arc<Known>,
    Routes,
    Writes,
    (sqlx::SqlitePool, std::path::PathBuf),
) {
    let (pool, dir) =
        support::sqlite_shop(name, "CREATE TABLE shop_writes (what TEXT NOT NULL)").await;
    let known = Arc::new(Known::default());
    let counting = pool.clone();
    let writes: Writes = Box::new(move |what| {
        let (pool, what) = (counting.clone(), what.to_owned());
        Box::pin(async move {
            let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM shop_writes WHERE what = ?1")
                .bind(what)
                .fetch_one(&pool)
                .await
                .unwrap();
            u32::try_from(n).unwrap()
        })
    });
    let shop = SqlKnown(known.clone());
    let file = (pool.clone(), dir);
    let routes: Routes = Box::new(move |sandbox: &Sandbox| {
        orders::receivers(sandbox)
            .into_iter()
            .fold(Notifications::in_transaction(shop, pool), |n, r| {
                n.receive(r)
            })
            .router()
    });
    (known, routes, writes, file)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_separate_ledger_notifications_sent_again_at_once_are_written_once() {
    let (known, routes, writes) = separate_ledger_merchant();
    notified_again_and_written_once(known, routes, writes).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_the_shop_s_transaction_notifications_sent_again_at_once_are_written_once() {
    let (known, routes, writes, (_, dir)) = sql_merchant("redelivers").await;
    notified_again_and_written_once(known, routes, writes).await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_separate_ledger_a_refund_notified_while_the_books_are_down_is_written_once() {
    let (known, routes, writes) = separate_ledger_merchant();
    refund_notified_while_the_books_are_down(known, routes, writes).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_the_shop_s_transaction_a_refund_notified_before_its_payment_is_written_after_it() {
    let (known, routes, writes, (pool, dir)) = sql_merchant("out-of-order").await;
    refund_notified_while_the_books_are_down(known, routes, writes).await;
    let written: Vec<String> = sqlx::query_scalar("SELECT what FROM shop_writes ORDER BY rowid")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(
        written,
        ["DOWN-1", "DOWN-R1"],
        "the payment, then its refund"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The merchant's books are down while an order is paid and then refunded (at the
/// gateway's console, say): both notifications fail and the gateway keeps delivering
/// them, the refund's possibly before the payment's is ever applied. Once the books are
/// back, each is written once (in the shop's transaction the refund only after its
/// payment: until then it has no payment to count against), every delivery then
/// acknowledged.
async fn refund_notified_while_the_books_are_down(
    known: Arc<Known>,
    routes: Routes,
    writes: Writes,
) {
    let mut config = orders::quick_retries();
    config.retry.max_attempts = 200;
    let sandbox = Sandbox::start(config, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let notify = format!(
        "http://{}/notify/{}",
        listener.local_addr().unwrap(),
        Gateway::WECHAT_GLOBAL.name()
    );
    let app = axum::Router::new().nest("/notify", routes(&sandbox));
    tokio::spawn(async move { axum::serve(listener, app).await });
    let client = Client::new().unwrap();

    known.down.store(true, std::sync::atomic::Ordering::SeqCst);
    let placed = orders::place(&sandbox, &client, Gateway::WECHAT_GLOBAL, "DOWN-1", &notify).await;
    known
        .orders
        .lock()
        .unwrap()
        .insert(placed.number.clone(), placed.order.clone());
    sandbox.pay(&placed.number).unwrap();
    orders::refund_wechat_global(&sandbox, &client, &placed, "DOWN-R1", Fen::new(1), &notify).await;
    // Both notifications refused a few times each while the books are down.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let order = sandbox.orders_numbered("DOWN-1", None).remove(0);
        let refused = order.deliveries.iter().filter(|d| !d.acknowledged).count();
        if refused >= 6 || tokio::time::Instant::now() >= deadline {
            assert!(refused >= 6, "{order:?}");
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(writes("DOWN-1").await + writes("DOWN-R1").await, 0);

    known.down.store(false, std::sync::atomic::Ordering::SeqCst);
    for what in ["DOWN-1", "DOWN-R1"] {
        assert_eq!(written_eventually(&writes, what).await, 1, "{what} written");
    }
    assert_eq!(
        acknowledged_eventually(&sandbox, &placed, 2).await,
        2,
        "both notifications acknowledged at last"
    );
    for what in ["DOWN-1", "DOWN-R1"] {
        assert_eq!(writes(what).await, 1, "{what} written once");
    }
}

/// One order per notifying gateway paid and applied, and a refund of the WeChat Pay
/// Global order written; then every notification sent again, [`COPIES`] at once: every
/// copy verified and acknowledged, nothing written again.
async fn notified_again_and_written_once(known: Arc<Known>, routes: Routes, writes: Writes) {
    let sandbox = Sandbox::start(orders::quick_retries(), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let notify = format!("http://{}/notify", listener.local_addr().unwrap());
    let app = axum::Router::new().nest("/notify", routes(&sandbox));
    tokio::spawn(async move { axum::serve(listener, app).await });
    let client = Client::new().unwrap();

    let mut placed = Vec::new();
    for (n, gateway) in orders::NOTIFYING.into_iter().enumerate() {
        let url = format!("{notify}/{}", gateway.name());
        let order = orders::place(&sandbox, &client, gateway, &format!("AGAIN{n:013}"), &url).await;
        known
            .orders
            .lock()
            .unwrap()
            .insert(order.number.clone(), order.order.clone());
        sandbox.pay(&order.number).unwrap();
        placed.push(order);
    }
    let global = placed.last().unwrap();
    let refund_url = format!("{notify}/{}", Gateway::WECHAT_GLOBAL.name());
    orders::refund_wechat_global(
        &sandbox,
        &client,
        global,
        "AGAIN-R1",
        Fen::new(1),
        &refund_url,
    )
    .await;
    let mut written: Vec<&str> = placed.iter().map(|p| p.number.as_str()).collect();
    written.push("AGAIN-R1");
    for what in &written {
        assert_eq!(written_eventually(&writes, what).await, 1, "{what} written");
    }
    // Every delivery so far acknowledged (WeChat Pay Global's order: its payment and its
    // refund), before the copies.
    let acknowledged = |gateway: Gateway| {
        if gateway == Gateway::WECHAT_GLOBAL {
            2
        } else {
            1
        }
    };
    for p in &placed {
        assert_eq!(
            acknowledged_eventually(&sandbox, p, acknowledged(p.gateway)).await,
            acknowledged(p.gateway)
        );
    }

    for p in &placed {
        sandbox.notify_again(&p.number, COPIES).unwrap();
    }
    sandbox
        .notify_refund_again(Gateway::WECHAT_GLOBAL, "AGAIN-R1", COPIES)
        .unwrap();
    for p in &placed {
        let copies = COPIES as usize * acknowledged(p.gateway);
        let expected = acknowledged(p.gateway) + copies;
        assert_eq!(
            acknowledged_eventually(&sandbox, p, expected).await,
            expected,
            "{}: every copy verified and acknowledged",
            p.number
        );
    }
    // Every copy acknowledged: none waits any more.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while sandbox.deliveries_waiting() > 0 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(sandbox.deliveries_waiting(), 0);
    for what in &written {
        assert_eq!(
            writes(what).await,
            1,
            "{what} written once, whatever the copies"
        );
    }
}

/// `what`'s writes once there is one, or after 20 s.
async fn written_eventually(writes: &Writes, what: &str) -> u32 {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let n = writes(what).await;
        if n > 0 || tokio::time::Instant::now() >= deadline {
            return n;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The acknowledged deliveries of `placed`'s order once there are `expected`, or after
/// 30 s.
async fn acknowledged_eventually(
    sandbox: &Sandbox,
    placed: &orders::Placed,
    expected: usize,
) -> usize {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let order = sandbox
            .orders_numbered(&placed.number, Some(placed.gateway))
            .remove(0);
        let n = order.deliveries.iter().filter(|d| d.acknowledged).count();
        if n >= expected || tokio::time::Instant::now() >= deadline {
            return n;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// `POST` to the sandbox's `path`: the status and the JSON answer.
async fn post(client: &Client, sandbox: &Sandbox, path: &str) -> (u16, serde_json::Value) {
    let request = http::Request::post(format!("{}{path}", sandbox.url()))
        .body(Vec::new())
        .unwrap();
    let answer = client.send(request).await.unwrap();
    let json = serde_json::from_slice(answer.body()).unwrap_or_default();
    (answer.status().as_u16(), json)
}

/// Over HTTP: a paid order's notification and an ended refund's are sent again as often
/// as asked, each copy verifying as the gateway's; an unknown order or refund is 404, an
/// unpaid order and a refund still in progress 409, a count out of 1..=100 400.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notifications_are_sent_again_over_http_or_say_why_not() {
    let (notify, received) = recording_merchant(0).await;
    let config = SandboxConfig {
        hold_refunds: true,
        ..SandboxConfig::default()
    };
    let sandbox = Sandbox::start(config, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let client = Client::new().unwrap();
    let swift = orders::place(&sandbox, &client, Gateway::SWIFTPASS, "HTTP-1", &notify).await;

    let (status, answer) = post(&client, &sandbox, "/_sandbox/orders/HTTP-1/notify").await;
    assert_eq!(
        (status, &answer["error"]),
        (
            409,
            &"order HTTP-1 is not paid: there is no payment to notify".into()
        )
    );
    assert_eq!(
        post(&client, &sandbox, "/_sandbox/orders/NOPE/notify")
            .await
            .0,
        404
    );

    sandbox.pay("HTTP-1").unwrap();
    assert_eq!(
        received_at_least(&received, 1, Duration::from_secs(10)).await,
        1
    );
    for bad in [0, 101] {
        let (status, answer) = post(
            &client,
            &sandbox,
            &format!("/_sandbox/orders/HTTP-1/notify?copies={bad}"),
        )
        .await;
        assert_eq!(status, 400, "{answer}");
        assert!(
            answer["error"].as_str().unwrap().contains("from 1 to 100"),
            "{answer}"
        );
    }
    let (status, answer) = post(&client, &sandbox, "/_sandbox/orders/HTTP-1/notify?copies=3").await;
    assert_eq!((status, &answer["out_trade_no"]), (200, &"HTTP-1".into()));
    assert_eq!(
        received_at_least(&received, 4, Duration::from_secs(10)).await,
        4
    );
    let key = paywire_providers::swiftpass::VerifyKey::Md5(Secret::new(
        sandbox.config().swiftpass.key.as_str(),
    ));
    let swiftpass = paywire_providers::swiftpass::receiver(key);
    for (arrived, headers, body) in received.lock().unwrap().iter() {
        let notice = swiftpass.verify(headers, body, *arrived).unwrap();
        let payment = match notice {
            paywire_axum::Notice::Payment(payment) => payment,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            (payment.order.as_str(), payment.amount),
            ("HTTP-1", swift.order.amount)
        );
    }

    // A WeChat Pay Global refund, held in progress: nothing to send again until it ends.
    received.lock().unwrap().clear();
    let global = orders::place(&sandbox, &client, Gateway::WECHAT_GLOBAL, "HTTP-2", &notify).await;
    sandbox.pay("HTTP-2").unwrap();
    assert_eq!(
        received_at_least(&received, 1, Duration::from_secs(10)).await,
        1
    );
    orders::refund_wechat_global(&sandbox, &client, &global, "HTTP-R2", Fen::new(1), &notify).await;
    let path = "/_sandbox/wechat-global/refunds/HTTP-R2/notify?copies=2";
    let (status, answer) = post(&client, &sandbox, path).await;
    assert_eq!(status, 409, "{answer}");
    assert!(
        answer["error"].as_str().unwrap().contains("in progress"),
        "{answer}"
    );
    let unknown = "/_sandbox/wechat-global/refunds/NOPE/notify";
    assert_eq!(post(&client, &sandbox, unknown).await.0, 404);
    let succeed = "/_sandbox/wechat-global/refunds/HTTP-R2/succeed";
    assert_eq!(post(&client, &sandbox, succeed).await.0, 200);
    assert_eq!(
        received_at_least(&received, 2, Duration::from_secs(10)).await,
        2
    );
    // A second later, so that a copy built anew would say so in its create_time.
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let (status, answer) = post(&client, &sandbox, path).await;
    assert_eq!((status, &answer["out_refund_no"]), (200, &"HTTP-R2".into()));
    assert_eq!(
        received_at_least(&received, 4, Duration::from_secs(10)).await,
        4
    );
    let receiver = orders::wechat_global_receiver(&sandbox);
    let received = received.lock().unwrap().clone();
    // The refund's end and its copies: one event, created once.
    let event = |body: &Bytes| {
        let json: serde_json::Value = serde_json::from_slice(body).unwrap();
        (json["id"].clone(), json["create_time"].clone())
    };
    assert!(
        received[1..]
            .iter()
            .all(|(_, _, body)| event(body) == event(&received[1].2)),
        "every copy carries the event's id and create_time"
    );
    for (arrived, headers, body) in &received[1..] {
        match receiver.verify(headers, body, *arrived).unwrap() {
            paywire_axum::Notice::Refund(refund) => {
                assert_eq!(
                    (refund.refund_no.as_str(), refund.amount),
                    ("HTTP-R2", Fen::new(1))
                );
            }
            other => panic!("{other:?}"),
        }
    }
}

/// Copies waiting for delivery are bounded, as the sandbox's orders are: a merchant that
/// never answers, its notification asked for again and again, never makes the sandbox
/// hold more than `redeliver::MAX_WAITING` deliveries; further requests are refused
/// (HTTP 429) until some are done.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn copies_waiting_for_delivery_are_bounded() {
    // A loopback port nothing listens on: every attempt is refused and tried again later.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let notify = format!("http://{}/notify", silent.local_addr().unwrap());
    drop(silent);
    let sandbox = Sandbox::start(SandboxConfig::default(), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let client = Client::new().unwrap();
    orders::place(&sandbox, &client, Gateway::SWIFTPASS, "BOUND-1", &notify).await;
    sandbox.pay("BOUND-1").unwrap();

    let mut accepted = 0u32;
    let mut refused = None;
    for _ in 0..150 {
        match sandbox.notify_again("BOUND-1", 100) {
            Ok(_) => accepted += 1,
            Err(e) => {
                refused = Some(e.to_string());
                break;
            }
        }
    }
    let refused = refused.expect("refused once the bound is reached");
    assert!(refused.contains("waiting"), "{refused}");
    // The first delivery still waits (its attempts are refused), beside the copies.
    let waiting = sandbox.deliveries_waiting();
    let most = paywire_sandbox::redeliver::MAX_WAITING;
    assert_eq!(waiting, 1 + accepted as usize * 100);
    assert!(
        waiting <= most && waiting + 100 > most,
        "{waiting} waiting, refused at the bound"
    );
    let (status, answer) = post(
        &client,
        &sandbox,
        "/_sandbox/orders/BOUND-1/notify?copies=100",
    )
    .await;
    assert_eq!(status, 429, "{answer}");
}
