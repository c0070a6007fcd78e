//! The endpoints as a failing server and an attacker meet them, over real HTTP on
//! loopback: a gateway that gives up on a slow write, a write that panics after it
//! happened, an empty body, a failed write whose error text must stay home, and a
//! re-split XorPay notification against the example merchant.

mod support;

#[path = "../examples/merchant.rs"]
mod merchant;

use paywire::ledger::{Ledger, Payment};
use paywire::schema::HexCase;
use paywire::sign::md5_hex;
use paywire::{Fen, Secret};
use paywire_axum::{Notifications, Order, Shop, SqlShop};
use paywire_providers::swiftpass::{self, VerifyKey};
use sqlx::{Sqlite, Transaction};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const SWIFTPASS_KEY: &str = "61307e5f2aebcacecbcca6fe5296df9c";

/// A SwiftPass payment notification for `order` (100 fen), signed by its rule: sorted
/// `k=v`, `&key=`, MD5, upper case.
fn swiftpass_notification(order: &str) -> String {
    let members = format!(
        "mch_id=7551000001&nonce_str=a1b2c3&out_trade_no={order}&pay_result=0&result_code=0\
         &status=0&time_end=20240301120000&total_fee=100&transaction_id=4200000985202403011234567890"
    );
    let sign = md5_hex(
        format!("{members}&key={SWIFTPASS_KEY}").as_bytes(),
        HexCase::Upper,
    );
    let mut xml = String::from("<xml>");
    for pair in members.split('&') {
        let (k, v) = pair.split_once('=').unwrap();
        xml += &format!("<{k}>{v}</{k}>");
    }
    xml + &format!("<sign>{sign}</sign></xml>")
}

/// Serves `router` on a free loopback port; its base URL.
async fn serve(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });
    url
}

/// A gateway's delivery: one POST over a fresh connection, given up (the connection
/// closed) after `timeout`.
#[derive(Clone, Copy)]
struct Gateway {
    timeout: Duration,
}

impl Gateway {
    const PATIENT: Gateway = Gateway {
        timeout: Duration::from_secs(10),
    };

    /// The answer's status and body, or `None` when the gateway gave up first.
    async fn post(self, url: &str, body: &str) -> Option<(u16, String)> {
        let rest = url.strip_prefix("http://").unwrap();
        let (host, path) = rest.split_at(rest.find('/').unwrap());
        let exchange = async {
            let mut stream = TcpStream::connect(host).await.unwrap();
            let request = format!(
                "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            stream.write_all(request.as_bytes()).await.unwrap();
            let mut answer = Vec::new();
            stream.read_to_end(&mut answer).await.unwrap();
            let answer = String::from_utf8(answer).unwrap();
            let status = answer[9..12].parse().unwrap();
            let body = answer
                .split_once("\r\n\r\n")
                .map_or("", |(_, b)| b)
                .to_owned();
            (status, body)
        };
        tokio::time::timeout(self.timeout, exchange).await.ok()
    }

    async fn deliver(self, url: &str, body: &str) -> Option<u16> {
        self.post(url, body).await.map(|(status, _)| status)
    }
}

/// Delivers until acknowledged (at most 40 times, 100 ms apart): the statuses seen.
async fn deliver_until_acknowledged(url: &str, body: &str, timeout: Duration) -> Vec<Option<u16>> {
    let gateway = Gateway { timeout };
    let mut seen = Vec::new();
    for _ in 0..40 {
        let status = gateway.deliver(url, body).await;
        seen.push(status);
        if status == Some(200) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    seen
}

/// A shop whose write counts, then takes `slow` (a slow database) or panics.
struct Writes {
    count: AtomicU32,
    slow: Duration,
    panic: bool,
}

impl Writes {
    fn new(slow: Duration, panic: bool) -> Arc<Writes> {
        Arc::new(Writes {
            count: AtomicU32::new(0),
            slow,
            panic,
        })
    }
}

impl Shop for Writes {
    async fn order(&self, _: &Payment) -> Option<Order> {
        Some(Order::for_amount(Fen::new(100)))
    }

    async fn apply(&self, _: &Payment) -> Result<(), String> {
        self.count.fetch_add(1, Ordering::SeqCst);
        // A panic before the write's first wait and one after it: both leave the claim.
        if !self.slow.is_zero() {
            tokio::time::sleep(self.slow).await;
        }
        if self.panic {
            panic!("the shop's code panics after its write");
        }
        Ok(())
    }
}

fn swiftpass_routes<S: Shop>(shop: S, ledger: Ledger) -> axum::Router {
    Notifications::new(shop, ledger)
        .receive(swiftpass::receiver(VerifyKey::Md5(Secret::new(
            SWIFTPASS_KEY,
        ))))
        .router()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_slower_than_the_gateway_waits_is_applied_once() {
    let shop = Writes::new(Duration::from_millis(1000), false);
    let url = serve(swiftpass_routes(shop.clone(), Ledger::in_memory())).await + "/swiftpass";
    let body = swiftpass_notification("SLOW-1");
    // The gateway gives up after 200 ms, well before the write ends, and delivers again.
    let seen = deliver_until_acknowledged(&url, &body, Duration::from_millis(200)).await;
    assert_eq!(
        seen.first(),
        Some(&None),
        "the first delivery timed out: {seen:?}"
    );
    assert_eq!(seen.last(), Some(&Some(200)), "{seen:?}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        shop.count.load(Ordering::SeqCst),
        1,
        "written once: {seen:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_that_panics_after_it_happened_keeps_the_order_claimed() {
    for (pause, order) in [
        (Duration::ZERO, "PANIC-1"),
        (Duration::from_millis(5), "PANIC-2"),
    ] {
        panics_after_the_write(pause, order).await;
    }
}

async fn panics_after_the_write(pause: Duration, order: &str) {
    let shop = Writes::new(pause, true);
    let url = serve(swiftpass_routes(shop.clone(), Ledger::in_memory())).await + "/swiftpass";
    let body = swiftpass_notification(order);
    let gateway = Gateway::PATIENT;
    assert_eq!(gateway.deliver(&url, &body).await, Some(500));
    // The write may have happened: the order is not freed for the next delivery.
    for _ in 0..3 {
        assert_eq!(gateway.deliver(&url, &body).await, Some(503));
    }
    assert_eq!(shop.count.load(Ordering::SeqCst), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_write_is_answered_without_the_shop_s_error_text() {
    struct Failing;
    impl Shop for Failing {
        async fn order(&self, _: &Payment) -> Option<Order> {
            Some(Order::new(Fen::new(100)))
        }
        async fn apply(&self, _: &Payment) -> Result<(), String> {
            Err("ERROR: deadlock detected on relation orders_internal (db-7.corp)".into())
        }
    }
    let url = serve(swiftpass_routes(Failing, Ledger::in_memory())).await + "/swiftpass";
    let (status, text) = Gateway::PATIENT
        .post(&url, &swiftpass_notification("FAIL-1"))
        .await
        .unwrap();
    assert_eq!(status, 500);
    assert!(
        !text.contains("deadlock") && !text.contains("corp"),
        "{text}"
    );
    assert!(text.contains("deliver it again"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_body_is_malformed_on_every_route() {
    let url = serve(merchant::notify_routes(merchant::Orders::default())).await;
    for gateway in ["swiftpass", "weidoufu", "xorpay", "wechat-global"] {
        for body in ["", " \r\n"] {
            let route = format!("{url}/notify/{gateway}");
            let status = Gateway::PATIENT.deliver(&route, body).await;
            assert_eq!(status, Some(400), "{gateway} {body:?}");
        }
    }
}

/// XorPay's notification, signed by its rule: MD5 of `aoid + order_id + pay_price +
/// pay_time + app_secret`, no separators.
fn xorpay_notification(aoid: &str, signed: (&str, &str), sent: (&str, &str)) -> String {
    let secret = paywire_sandbox::SandboxConfig::default().xorpay.app_secret;
    let time = "2024-03-01 12:00:00";
    let sign = md5_hex(
        format!("{aoid}{}{}{time}{secret}", signed.0, signed.1).as_bytes(),
        HexCase::Lower,
    );
    format!(
        "aoid={aoid}&order_id={}&pay_price={}&pay_time=2024-03-01+12%3A00%3A00&sign={sign}",
        sent.0, sent.1
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resplit_xorpay_notification_is_never_applied_by_the_example_merchant() {
    let orders = Arc::new(merchant::Orders::default());
    let url = serve(merchant::notify_routes(orders.clone())).await + "/notify/xorpay";
    let aoid_11 = "2c56a1c8e7f34e0f9b2f7d3d1e0a9b8c";
    let aoid_1 = "9f0e1d2c3b4a59687766554433221100";
    // The shop placed ORDER-11 for 0.01 and ORDER-1 for 10.01, keeping each aoid.
    orders.place("ORDER-11", Order::new(Fen::new(1)).gateway_order(aoid_11));
    orders.place("ORDER-1", Order::new(Fen::new(1001)).gateway_order(aoid_1));
    let gateway = Gateway::PATIENT;
    // ORDER-11's genuine signature, re-split: ORDER-1 paid 10.01 — the same MD5.
    let forged = xorpay_notification(aoid_11, ("ORDER-11", "0.01"), ("ORDER-1", "10.01"));
    assert_eq!(gateway.deliver(&url, &forged).await, Some(400));
    assert!(
        !orders.placed.lock().unwrap()["ORDER-1"].1,
        "the forgery applied nothing"
    );
    // A shop that kept no aoid is refused too: the aoid is what ties XorPay's payment.
    orders.place("ORDER-1", Order::new(Fen::new(1001)));
    assert_eq!(gateway.deliver(&url, &forged).await, Some(400));
    assert!(
        !orders.placed.lock().unwrap()["ORDER-1"].1,
        "the forgery applied nothing"
    );
    // The genuine notification is applied.
    let genuine = xorpay_notification(aoid_11, ("ORDER-11", "0.01"), ("ORDER-11", "0.01"));
    assert_eq!(gateway.deliver(&url, &genuine).await, Some(200));
    assert!(orders.placed.lock().unwrap()["ORDER-11"].1);
}

/// A shop whose orders and ledger live in one SQLite file; its write counts, then panics
/// on the first delivery.
struct SqlWrites {
    panics_left: AtomicU32,
}

impl SqlShop<Sqlite> for SqlWrites {
    async fn order(&self, _: &Payment) -> Option<Order> {
        Some(Order::new(Fen::new(100)))
    }

    async fn apply(
        &self,
        tx: &mut Transaction<'static, Sqlite>,
        payment: &Payment,
    ) -> Result<(), String> {
        sqlx::query("UPDATE shop_orders SET applied = applied + 1 WHERE out_trade_no = ?1")
            .bind(&payment.order)
            .execute(&mut **tx)
            .await
            .map_err(|e| e.to_string())?;
        if self
            .panics_left
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
        {
            panic!("the shop's code panics after its write");
        }
        tokio::time::sleep(Duration::from_millis(600)).await;
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_the_shop_s_transaction_a_panic_or_a_slow_write_applies_the_payment_once() {
    let (pool, dir) = support::sqlite_shop(
        "exactly-once",
        "CREATE TABLE shop_orders (out_trade_no TEXT PRIMARY KEY, applied INTEGER NOT NULL DEFAULT 0); \
         INSERT INTO shop_orders (out_trade_no) VALUES ('SQL-1')",
    )
    .await;
    let shop = SqlWrites {
        panics_left: AtomicU32::new(1),
    };
    let routes = Notifications::in_transaction(shop, pool.clone())
        .receive(swiftpass::receiver(VerifyKey::Md5(Secret::new(
            SWIFTPASS_KEY,
        ))))
        .router();
    let url = serve(routes).await + "/swiftpass";
    let body = swiftpass_notification("SQL-1");
    // First delivery: the write panics (rolled back). Then writes take 600 ms, longer
    // than the gateway's 200 ms; each cancelled delivery's transaction still commits or
    // waits, and later ones find the payment applied.
    let seen = deliver_until_acknowledged(&url, &body, Duration::from_millis(200)).await;
    assert_eq!(seen.first(), Some(&Some(500)), "{seen:?}");
    assert_eq!(seen.last(), Some(&Some(200)), "{seen:?}");
    tokio::time::sleep(Duration::from_millis(800)).await;
    let applied: i64 =
        sqlx::query_scalar("SELECT applied FROM shop_orders WHERE out_trade_no = 'SQL-1'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(applied, 1, "{seen:?}");
    let _ = std::fs::remove_dir_all(dir);
}
