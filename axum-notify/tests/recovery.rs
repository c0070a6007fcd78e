//! A paid order whose every notification failed (the merchant's database was down through
//! all of the gateway's retries), with a separate ledger or in the shop's SQLite
//! transaction, is found by the gateway's signed query answer and applied
//! once through `Notifications::recovery`, the same step the notifications take: never
//! twice, however often the merchant recovers it or a notification got through first, and
//! never for an order the shop does not know or that does not match.

mod support;

use paywire::client::Client;
use paywire::ledger::{Ledger, Payment};
use paywire::sign::SignTypeKey;
use paywire::{Fen, Secret};
use paywire_axum::{Notifications, Order, Recovered, Shop, SqlShop};
use paywire_providers::swiftpass::{self, TradeQuery, TradeQueryAnswer, VerifyKey};
use paywire_sandbox::config::RetryConfig;
use paywire_sandbox::{Gateway, Sandbox, SandboxConfig};
use sqlx::Sqlite;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A shop whose database can be down; counts each order's writes.
#[derive(Default)]
struct Books {
    placed: Mutex<HashMap<String, Fen>>,
    writes: Mutex<HashMap<String, u32>>,
    down: AtomicBool,
}

impl Books {
    fn writes(&self, order: &str) -> u32 {
        self.writes.lock().unwrap().get(order).copied().unwrap_or(0)
    }
}

impl Shop for Books {
    async fn order(&self, payment: &Payment) -> Option<Order> {
        let placed = self.placed.lock().unwrap();
        placed.get(&payment.order).map(|fen| Order::new(*fen))
    }

    async fn apply(&self, payment: &Payment) -> Result<(), String> {
        if self.down.load(Ordering::SeqCst) {
            return Err("connection refused".into());
        }
        *self
            .writes
            .lock()
            .unwrap()
            .entry(payment.order.clone())
            .or_default() += 1;
        Ok(())
    }
}

/// The sandbox, and a merchant that places, pays and queries SwiftPass orders.
struct Merchant {
    sandbox: Sandbox,
    client: Client,
    key: Secret,
    mch_id: String,
    notify_url: String,
}

impl Merchant {
    async fn place_and_pay(&self, number: &str, fen: u64) {
        let mut order = swiftpass::sample();
        order.mch_id = self.mch_id.clone();
        order.out_trade_no = number.into();
        order.total_fee = Fen::new(fen);
        order.notify_url = self.notify_url.clone();
        let url = self.sandbox.call_url(Gateway::SWIFTPASS);
        let request = swiftpass::request(&url, &order, &self.key).unwrap();
        self.client.send(request).await.unwrap();
        self.sandbox.pay(number).unwrap();
    }

    /// The payment the gateway's signed query answer reports.
    async fn queried(&self, number: &str) -> Option<Payment> {
        let query = TradeQuery {
            version: None,
            charset: None,
            sign_type: None,
            mch_id: self.mch_id.clone(),
            out_trade_no: Some(number.into()),
            transaction_id: None,
            nonce_str: "n0nce".into(),
        };
        let url = self.sandbox.call_url(Gateway::SWIFTPASS);
        let key = SignTypeKey::Md5(self.key.clone());
        let request = swiftpass::lifecycle_request(&url, &query, &key).unwrap();
        let answer = self.client.send(request).await.unwrap();
        let verified = swiftpass::read_answer::<TradeQueryAnswer>(
            answer.body(),
            &VerifyKey::Md5(self.key.clone()),
        )
        .unwrap();
        verified.value.payment()
    }

    /// Waits until the sandbox has made every delivery of `number` it will make.
    async fn deliveries_end(&self, number: &str, attempts: usize) -> Vec<Option<u16>> {
        for _ in 0..500 {
            let order = self
                .sandbox
                .orders_numbered(number, Some(Gateway::SWIFTPASS))
                .remove(0);
            if order.acknowledged || order.deliveries.len() >= attempts {
                return order.deliveries.iter().map(|d| d.status).collect();
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("the deliveries of {number} never ended");
    }
}

/// The same shop in a SQLite file: the ledger's rows and the shop's writes in one
/// transaction.
struct SqlBooks {
    books: Arc<Books>,
}

impl SqlShop<Sqlite> for SqlBooks {
    async fn order(&self, payment: &Payment) -> Option<Order> {
        self.books.order(payment).await
    }

    async fn apply(
        &self,
        tx: &mut sqlx::Transaction<'static, Sqlite>,
        payment: &Payment,
    ) -> Result<(), String> {
        if self.books.down.load(Ordering::SeqCst) {
            return Err("connection refused".into());
        }
        sqlx::query("INSERT INTO shop_writes (out_trade_no) VALUES (?1)")
            .bind(&payment.order)
            .execute(&mut **tx)
            .await
            .map(drop)
            .map_err(|e| e.to_string())
    }
}

type Boxed<T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send>>;
/// Applies a payment through the notifications' once-only step.
type Recover = Box<dyn Fn(Payment) -> Boxed<Recovered> + Send + Sync>;
/// Counts an order's writes as the shop committed them.
type Writes = Box<dyn Fn(&str) -> Boxed<u32> + Send + Sync>;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_separate_ledger_a_paid_order_whose_notifications_all_failed_is_recovered_once() {
    let books = Arc::new(Books::default());
    let notifications = Notifications::new(books.clone(), Ledger::in_memory());
    let recovery = notifications.recovery();
    let recover: Recover = Box::new(move |p| {
        let recovery = recovery.clone();
        Box::pin(async move { recovery.apply(p).await })
    });
    let counted = books.clone();
    let writes: Writes = Box::new(move |order| {
        let n = counted.writes(order);
        Box::pin(async move { n })
    });
    let key = Secret::new(SandboxConfig::default().swiftpass.key.as_str());
    let routes = notifications
        .receive(swiftpass::receiver(VerifyKey::Md5(key)))
        .router();
    recovered_once(books, routes, recover, writes).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_the_shop_s_transaction_a_paid_order_whose_notifications_all_failed_is_recovered_once() {
    let (pool, dir) = support::sqlite_shop(
        "recovery",
        "CREATE TABLE shop_writes (out_trade_no TEXT NOT NULL)",
    )
    .await;
    let books = Arc::new(Books::default());
    let shop = SqlBooks {
        books: books.clone(),
    };
    let notifications = Notifications::in_transaction(shop, pool.clone());
    let recovery = notifications.recovery();
    let recover: Recover = Box::new(move |p| {
        let recovery = recovery.clone();
        Box::pin(async move { recovery.apply(p).await })
    });
    let writes: Writes = Box::new(move |order| {
        let (pool, order) = (pool.clone(), order.to_owned());
        Box::pin(async move {
            let n: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM shop_writes WHERE out_trade_no = ?1")
                    .bind(order)
                    .fetch_one(&pool)
                    .await
                    .unwrap();
            u32::try_from(n).unwrap()
        })
    });
    let key = Secret::new(SandboxConfig::default().swiftpass.key.as_str());
    let routes = notifications
        .receive(swiftpass::receiver(VerifyKey::Md5(key)))
        .router();
    recovered_once(books, routes, recover, writes).await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// The scenario, whichever way the merchant keeps the "applied" mark: `routes` take the
/// notifications, `recover` applies through the same step, `writes` counts an order's
/// writes as the shop committed them.
async fn recovered_once(books: Arc<Books>, routes: axum::Router, recover: Recover, writes: Writes) {
    let config = SandboxConfig {
        retry: RetryConfig {
            first_delay_ms: 10,
            max_delay_ms: 20,
            max_attempts: 3,
            ..RetryConfig::default()
        },
        ..SandboxConfig::default()
    };
    let key = Secret::new(config.swiftpass.key.as_str());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let notify_url = format!("http://{}/swiftpass", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, routes).await });
    let sandbox = Sandbox::start(config.clone(), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let m = Merchant {
        sandbox,
        client: Client::new().unwrap(),
        key,
        mch_id: config.swiftpass.mch_id.clone(),
        notify_url,
    };
    for (number, fen) in [("LOST-1", 1000), ("FINE-1", 500), ("OTHER-1", 300)] {
        books
            .placed
            .lock()
            .unwrap()
            .insert(number.into(), Fen::new(fen));
    }

    // The database is down through every delivery: the gateway gives up, the order is
    // paid there and not in the books.
    books.down.store(true, Ordering::SeqCst);
    m.place_and_pay("LOST-1", 1000).await;
    let statuses = m.deliveries_end("LOST-1", 3).await;
    assert_eq!(statuses, [Some(500); 3], "every delivery failed");
    assert_eq!(writes("LOST-1").await, 0);

    // Back up, the merchant asks the gateway and applies what it signed: once, however
    // often it asks.
    books.down.store(false, Ordering::SeqCst);
    let payment = m.queried("LOST-1").await.expect("paid at the gateway");
    assert_eq!(recover(payment.clone()).await, Recovered::Applied);
    assert_eq!(recover(payment).await, Recovered::Applied);
    assert_eq!(writes("LOST-1").await, 1, "recovered once");

    // Notified and applied first: recovering it again writes nothing.
    m.place_and_pay("FINE-1", 500).await;
    let statuses = m.deliveries_end("FINE-1", 3).await;
    assert_eq!(statuses.last(), Some(&Some(200)), "{statuses:?}");
    let payment = m.queried("FINE-1").await.unwrap();
    assert_eq!(recover(payment).await, Recovered::Applied);
    assert_eq!(
        writes("FINE-1").await,
        1,
        "applied by its notification only"
    );

    // Not paid: nothing to recover.
    let mut unpaid = swiftpass::sample();
    unpaid.mch_id = m.mch_id.clone();
    unpaid.out_trade_no = "UNPAID-1".into();
    unpaid.notify_url = m.notify_url.clone();
    let url = m.sandbox.call_url(Gateway::SWIFTPASS);
    m.client
        .send(swiftpass::request(&url, &unpaid, &m.key).unwrap())
        .await
        .unwrap();
    assert_eq!(m.queried("UNPAID-1").await, None);

    // An order the shop never placed, and one paid another amount than it was placed
    // for, are refused and never written, whatever the gateway signed.
    books.down.store(true, Ordering::SeqCst);
    m.place_and_pay("NOT-OURS-1", 100).await;
    m.place_and_pay("OTHER-1", 301).await;
    m.deliveries_end("OTHER-1", 3).await;
    books.down.store(false, Ordering::SeqCst);
    let stranger = m.queried("NOT-OURS-1").await.unwrap();
    assert!(matches!(recover(stranger).await, Recovered::Refused(r) if r.contains("NOT-OURS-1")));
    let other = m.queried("OTHER-1").await.unwrap();
    assert!(
        matches!(recover(other).await, Recovered::Refused(r) if r.contains("301")),
        "the amount paid is named"
    );
    assert_eq!(writes("NOT-OURS-1").await + writes("OTHER-1").await, 0);
}
