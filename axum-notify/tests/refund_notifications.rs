//! WeChat Pay Global's refund notifications at the merchant's route. The sandbox refunds a
//! paid order and delivers its `REFUND.SUCCESS` notification to the same route as the
//! payment's: acknowledged, and the shop's refund write made once. Then, with
//! notifications signed and encrypted with the sandbox's keys as WeChat Pay's are:
//! a success delivered again is not written again, a failed write is delivered again, a
//! refund that did not succeed is acknowledged and not written, and in the shop's SQL
//! transaction the refund is marked succeeded and written once (also when its acceptance
//! was recorded from the gateway's answer before), recorded when the books never held it
//! (made by hand at the gateway), refused when the books hold it with another amount or
//! it does not fit in what was paid, taken back from the books when the gateway closed
//! it, and kept when it is abnormal. With a separate ledger, a closed refund is taken
//! back from its refunds once committed, and a success the ledger never held is counted
//! against the order's cap. Three instances on one PostgreSQL, each sent every
//! success twice at once, write each refund once, a refund made by hand included.

mod support;

use paywire::client::Client;
use paywire::keys::MerchantKey;
use paywire::ledger::{Expected, Ledger, MustMatch, OrderKey, Payment, RefundClaim, RefundOutcome};
use paywire::{Fen, Secret};
use paywire_axum::{Notifications, Order, Shop, SqlShop};
use paywire_providers::wechat::v3::{self as wechat_v3, MerchantSigner, PlatformKeys};
use paywire_providers::wechat_global::{self as wg, RefundAmount, RefundRequest};
use paywire_sandbox::state::unix_now;
use paywire_sandbox::{Gateway, Sandbox, SandboxConfig};
use paywire_sqlx::{Applied, Refund, Refunded};
use sqlx::{Sqlite, SqlitePool, Transaction};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

/// A shop that knows every order it is told of and marks it paid, and counts the refund
/// successes it writes; the first `failing` refund writes fail.
#[derive(Default)]
struct Books {
    orders: Mutex<HashMap<String, (Order, u32)>>,
    refunds: Mutex<HashMap<String, u32>>,
    failing: Mutex<u32>,
}

impl Books {
    fn refunds(&self, refund_no: &str) -> u32 {
        self.refunds
            .lock()
            .unwrap()
            .get(refund_no)
            .copied()
            .unwrap_or(0)
    }
}

impl Shop for Books {
    async fn order(&self, payment: &Payment) -> Option<Order> {
        let orders = self.orders.lock().unwrap();
        orders.get(&payment.order).map(|(order, _)| order.clone())
    }

    async fn apply(&self, payment: &Payment) -> Result<(), String> {
        let mut orders = self.orders.lock().unwrap();
        let (_, applied) = orders.get_mut(&payment.order).ok_or("no such order")?;
        *applied += 1;
        Ok(())
    }

    async fn refunded(&self, refund: &RefundOutcome) -> Result<(), String> {
        let mut failing = self.failing.lock().unwrap();
        if *failing > 0 {
            *failing -= 1;
            return Err("deadlock detected".into());
        }
        *self
            .refunds
            .lock()
            .unwrap()
            .entry(refund.refund_no.clone())
            .or_default() += 1;
        Ok(())
    }
}

/// The sandbox, a merchant signer for it, and paywire-axum serving `router` on loopback.
struct World {
    sandbox: Sandbox,
    client: Client,
    signer: MerchantSigner,
    mchid: String,
    notify: String,
}

impl World {
    async fn start(router: axum::Router) -> World {
        World::start_with(router, SandboxConfig::default()).await
    }

    /// [`World::start`] with the sandbox configured as `config`.
    async fn start_with(router: axum::Router, config: SandboxConfig) -> World {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let notify = format!("http://{}/wechat-global", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, router).await });
        let sandbox = Sandbox::start(config.clone(), "127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();
        let key = MerchantKey::from_pem(paywire_sandbox::keys::MERCHANT_PRIVATE_KEY_PEM).unwrap();
        World {
            client: Client::new().unwrap(),
            signer: MerchantSigner::new(
                &config.wechat_global.mchid,
                &config.wechat_global.merchant_serial,
                key,
            ),
            mchid: config.wechat_global.mchid,
            notify,
            sandbox,
        }
    }

    /// Places the sample order under `number`, with its notifications sent to the route.
    async fn place(&self, number: &str) -> wg::JsapiOrder {
        let mut order = wg::sample_direct();
        order.mchid = Some(self.mchid.clone());
        order.out_trade_no = number.into();
        order.notify_url = self.notify.clone();
        let base = self.sandbox.base_url(Gateway::WECHAT_GLOBAL);
        let request = wg::request(&base, &order, &self.signer, unix_now(), number).unwrap();
        let answer = self.client.send(request).await.unwrap();
        assert_eq!(answer.status(), 200, "{answer:?}");
        order
    }

    /// Refunds `amount` of the paid `order` under `refund_no`, its notification sent to
    /// the route.
    async fn refund(&self, order: &wg::JsapiOrder, refund_no: &str, amount: Fen) {
        let refund = RefundRequest {
            mchid: Some(self.mchid.clone()),
            sp_mchid: None,
            sub_mchid: None,
            transaction_id: None,
            out_trade_no: Some(order.out_trade_no.clone()),
            out_refund_no: refund_no.into(),
            reason: None,
            notify_url: Some(self.notify.clone()),
            amount: RefundAmount {
                refund: amount,
                total: Fen::new(order.amount.total),
                currency: order.amount.currency.clone(),
            },
        };
        let base = self.sandbox.base_url(Gateway::WECHAT_GLOBAL);
        let request =
            wg::refund_request(&base, &refund, &self.signer, unix_now(), refund_no).unwrap();
        let answer = self.client.send(request).await.unwrap();
        assert_eq!(answer.status(), 200, "{answer:?}");
    }

    /// The HTTP statuses of every delivery the sandbox made for the order `number`
    /// (payment and refund notifications), once `count` of them were acknowledged or 5 s
    /// passed.
    async fn deliveries(&self, number: &str, count: usize) -> Vec<Option<u16>> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        loop {
            let order = self.sandbox.orders_numbered(number, None).remove(0);
            let statuses: Vec<_> = order.deliveries.iter().map(|d| d.status).collect();
            let acknowledged = order.deliveries.iter().filter(|d| d.acknowledged).count();
            if acknowledged >= count || tokio::time::Instant::now() > deadline {
                return statuses;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

fn receiver() -> paywire_axum::Receiver {
    let config = SandboxConfig::default().wechat_global;
    let mut keys = PlatformKeys::new();
    keys.add_certificate_pem(&config.platform_certificate_pem)
        .unwrap();
    paywire_providers::wechat_global::receiver(keys, Secret::new(config.apiv3_key.as_str()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refund_notification_at_the_payment_route_is_acknowledged() {
    let books = std::sync::Arc::new(Books::default());
    let router = Notifications::new(books.clone(), Ledger::in_memory())
        .receive(receiver())
        .router();
    let world = World::start(router).await;
    let order = world.place("WGRN1").await;
    let amount = Fen::new(order.amount.total);
    books.orders.lock().unwrap().insert(
        "WGRN1".into(),
        (
            Order::new(amount).currency(order.amount.currency.clone()),
            0,
        ),
    );
    world.sandbox.pay("WGRN1").unwrap();
    assert_eq!(world.deliveries("WGRN1", 1).await, [Some(200)]);
    assert_eq!(books.orders.lock().unwrap()["WGRN1"].1, 1);

    world.refund(&order, "WGRN1-R1", Fen::new(1)).await;
    // The payment's delivery, then the refund's: acknowledged at once, not refused and
    // delivered again for a day.
    assert_eq!(world.deliveries("WGRN1", 2).await, [Some(200), Some(200)]);
    assert_eq!(books.refunds("WGRN1-R1"), 1);
}

/// A refund notification as WeChat Pay Global sends it: the refund encrypted with the
/// APIv3 key, the body signed with the platform key, with the sandbox's keys.
fn refund_notification(
    order: &str,
    refund_no: &str,
    fen: u64,
    status: &str,
) -> (http::HeaderMap, Vec<u8>) {
    refund_notification_in(order, refund_no, fen, status, "HKD")
}

/// [`refund_notification`] of a refund in `currency`.
fn refund_notification_in(
    order: &str,
    refund_no: &str,
    fen: u64,
    status: &str,
    currency: &str,
) -> (http::HeaderMap, Vec<u8>) {
    let config = SandboxConfig::default().wechat_global;
    let refund = serde_json::json!({
        "mchid": config.mchid, "out_trade_no": order, "transaction_id": "4200000000202412070001",
        "out_refund_no": refund_no, "refund_id": format!("5030{refund_no}"),
        "refund_status": status, "success_time": "2024-12-07T10:00:00+08:00",
        "amount": {"total": 100, "refund": fen, "currency": currency, "payer_refund": fen, "payer_currency": currency},
    });
    notification(&format!("REFUND.{status}"), &refund)
}

/// A notification of `event_type` whose encrypted resource is `resource`, signed with the
/// sandbox's platform key.
fn notification(event_type: &str, resource: &serde_json::Value) -> (http::HeaderMap, Vec<u8>) {
    let config = SandboxConfig::default().wechat_global;
    let original_type = if event_type.starts_with("REFUND.") {
        "refund"
    } else {
        "transaction"
    };
    let resource = wechat_v3::encrypt_resource(
        &Secret::new(config.apiv3_key.as_str()),
        "RN0123456789",
        original_type,
        original_type,
        &resource.to_string(),
    )
    .unwrap();
    let body = serde_json::json!({
        "id": format!("EV-{event_type}"), "create_time": "2024-12-07T10:00:00+08:00",
        "resource_type": "encrypt-resource", "event_type": event_type,
        "summary": "通知", "resource": {
            "algorithm": resource.algorithm, "ciphertext": resource.ciphertext,
            "associated_data": resource.associated_data, "original_type": resource.original_type,
            "nonce": resource.nonce,
        },
    })
    .to_string()
    .into_bytes();
    let key = MerchantKey::from_pem(&config.platform_private_key_pem).unwrap();
    let serial = PlatformKeys::new()
        .add_certificate_pem(&config.platform_certificate_pem)
        .unwrap();
    let mut headers = http::HeaderMap::new();
    for (name, value) in
        wechat_v3::sign_message_headers(&key, &serial, unix_now(), "refund-nonce", &body)
    {
        headers.insert(name, value.parse().unwrap());
    }
    headers.insert("content-type", "application/json".parse().unwrap());
    (headers, body)
}

/// Serves `router` on loopback; the WeChat Pay Global route's URL.
async fn serve(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/wechat-global", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });
    url
}

/// Delivers `notification` to `url`: the answer's status.
async fn deliver(url: &str, notification: &(http::HeaderMap, Vec<u8>)) -> u16 {
    let mut request = http::Request::post(url)
        .body(notification.1.clone())
        .unwrap();
    *request.headers_mut() = notification.0.clone();
    let answer = Client::new().unwrap().send(request).await.unwrap();
    answer.status().as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refund_s_success_is_written_once_and_a_failed_write_is_delivered_again() {
    let books = std::sync::Arc::new(Books::default());
    *books.failing.lock().unwrap() = 1;
    let url = serve(
        Notifications::new(books.clone(), Ledger::in_memory())
            .receive(receiver())
            .router(),
    )
    .await;
    let success = refund_notification("WGRN2", "WGRN2-R1", 40, "SUCCESS");
    // The shop's write fails: 500, nothing written, and the next delivery writes it.
    assert_eq!(deliver(&url, &success).await, 500);
    assert_eq!(books.refunds("WGRN2-R1"), 0);
    assert_eq!(deliver(&url, &success).await, 200);
    assert_eq!(deliver(&url, &success).await, 200);
    assert_eq!(books.refunds("WGRN2-R1"), 1, "written once");
    // Another refund of the same order is another write.
    assert_eq!(
        deliver(
            &url,
            &refund_notification("WGRN2", "WGRN2-R2", 10, "SUCCESS")
        )
        .await,
        200
    );
    assert_eq!(books.refunds("WGRN2-R2"), 1);
    // A refund that did not succeed, or in a state this version does not know:
    // acknowledged (the gateway stops sending it), logged, not written.
    for status in ["CLOSED", "ABNORMAL", "SOMETHING_NEW"] {
        let notice = refund_notification("WGRN2", "WGRN2-R3", 10, status);
        assert_eq!(deliver(&url, &notice).await, 200, "{status}");
    }
    assert_eq!(books.refunds("WGRN2-R3"), 0);
    // An authentic event whose resource is not what its type says: malformed, refused,
    // nothing applied or written (a refund read as a payment, a payment as a refund).
    // The shop knows the order, so a payment read from either would be applied.
    books.orders.lock().unwrap().insert(
        "WGRN2".into(),
        (Order::new(Fen::new(100)).currency("HKD"), 0),
    );
    let refund = serde_json::json!({
        "mchid": "1900000100", "out_trade_no": "WGRN2", "transaction_id": "4200000000202412070001",
        "out_refund_no": "WGRN2-R5", "refund_id": "5030R5", "refund_status": "SUCCESS",
        "amount": {"total": 100, "refund": 10, "currency": "HKD"},
    });
    assert_eq!(
        deliver(&url, &notification("TRANSACTION.SUCCESS", &refund)).await,
        400
    );
    let transaction = serde_json::json!({
        "mchid": "1900000100", "out_trade_no": "WGRN2", "transaction_id": "4200000000202412070001",
        "trade_state": "SUCCESS", "amount": {"total": 100, "currency": "HKD"},
    });
    assert_eq!(
        deliver(&url, &notification("REFUND.SUCCESS", &transaction)).await,
        400
    );
    assert_eq!(books.refunds("WGRN2-R5"), 0);
    assert_eq!(
        books.orders.lock().unwrap()["WGRN2"].1,
        0,
        "no payment applied"
    );
    // The same transaction under its own type is a payment, applied.
    assert_eq!(
        deliver(&url, &notification("TRANSACTION.SUCCESS", &transaction)).await,
        200
    );
    assert_eq!(books.orders.lock().unwrap()["WGRN2"].1, 1);
    // A refund of nothing is no refund: malformed, refused, not written.
    let nothing = refund_notification("WGRN2", "WGRN2-R6", 0, "SUCCESS");
    assert_eq!(deliver(&url, &nothing).await, 400);
    assert_eq!(books.refunds("WGRN2-R6"), 0);
    // Tampered in transit: refused, not written.
    let (headers, mut body) = refund_notification("WGRN2", "WGRN2-R4", 10, "SUCCESS");
    let at = body.len() / 2;
    body[at] ^= 1;
    assert!(matches!(deliver(&url, &(headers, body)).await, 400 | 401));
    assert_eq!(books.refunds("WGRN2-R4"), 0);
}

/// paywire-axum with [`Books`] and a ledger in memory, served on loopback: the books, the
/// ledger (where the merchant reserves its refunds too), the route's URL.
async fn separate_ledger_route() -> (std::sync::Arc<Books>, Ledger, String) {
    let books = std::sync::Arc::new(Books::default());
    let ledger = Ledger::in_memory();
    let router = Notifications::new(books.clone(), ledger.clone())
        .receive(receiver())
        .router();
    (books, ledger, serve(router).await)
}

/// Refund `number` of `fen` of WeChat Pay Global order `order`, paid 100, as the merchant
/// reserves it in the ledger.
fn ledger_refund(order: &str, number: &str, fen: u64) -> paywire::ledger::Refund {
    paywire::ledger::Refund {
        order: OrderKey::new("wechat-global", order),
        refund_no: number.to_owned(),
        amount: Fen::new(fen),
        paid: Fen::new(100),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_separate_ledger_a_closed_refund_frees_its_room_once_committed() {
    let (books, ledger, url) = separate_ledger_route().await;
    let refund = |number: &str, fen: u64| ledger_refund("WGRN6", number, fen);
    // The merchant reserves R1 and sends it; the gateway closes it before the sender
    // committed: the delivery waits (503) rather than free what the sender holds.
    let RefundClaim::Fresh(held) = ledger.claim_refund(&refund("WGRN6-R1", 60)).unwrap() else {
        panic!("R1 fits")
    };
    let closed = refund_notification("WGRN6", "WGRN6-R1", 60, "CLOSED");
    assert_eq!(deliver(&url, &closed).await, 503);
    held.commit().unwrap();
    // Another amount under its number: not this refund.
    let other = refund_notification("WGRN6", "WGRN6-R1", 59, "CLOSED");
    assert_eq!(deliver(&url, &other).await, 400);
    // Committed, then closed: taken back, and delivered again, nothing more to take.
    assert_eq!(deliver(&url, &closed).await, 200);
    assert_eq!(deliver(&url, &closed).await, 200);
    let RefundClaim::Fresh(held) = ledger.claim_refund(&refund("WGRN6-R2", 100)).unwrap() else {
        panic!("the whole room is free again")
    };
    held.commit().unwrap();
    // R2 succeeded and its success was written: a close reported after it is a
    // contradiction, and the books keep it (nothing more fits).
    let success = refund_notification("WGRN6", "WGRN6-R2", 100, "SUCCESS");
    assert_eq!(deliver(&url, &success).await, 200);
    assert_eq!(books.refunds("WGRN6-R2"), 1);
    let closed = refund_notification("WGRN6", "WGRN6-R2", 100, "CLOSED");
    assert_eq!(deliver(&url, &closed).await, 200);
    assert!(matches!(
        ledger.claim_refund(&refund("WGRN6-R3", 1)).unwrap(),
        RefundClaim::AbovePaid { reserved, .. } if reserved == Fen::new(100)
    ));
    // A close of a refund the ledger never held (made by hand, or in another store):
    // acknowledged, nothing to take back.
    let unknown = refund_notification("WGRN6", "WGRN6-H1", 5, "CLOSED");
    assert_eq!(deliver(&url, &unknown).await, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_separate_ledger_a_success_the_ledger_never_held_counts_against_the_cap() {
    let (books, ledger, url) = separate_ledger_route().await;
    let refund = |number: &str, fen: u64| ledger_refund("WGRN7", number, fen);
    // Made by hand at the gateway: written, and counted (30 of 100), delivered again
    // counted once.
    let by_hand = refund_notification("WGRN7", "WGRN7-H1", 30, "SUCCESS");
    assert_eq!(deliver(&url, &by_hand).await, 200);
    assert_eq!(deliver(&url, &by_hand).await, 200);
    assert_eq!(books.refunds("WGRN7-H1"), 1);
    assert!(matches!(
        ledger.claim_refund(&refund("WGRN7-R1", 71)).unwrap(),
        RefundClaim::AbovePaid { reserved, .. } if reserved == Fen::new(30)
    ));
    // Its success notified before its sender committed: written; the sender's reservation
    // stands and its commit counts it once.
    let RefundClaim::Fresh(held) = ledger.claim_refund(&refund("WGRN7-R2", 20)).unwrap() else {
        panic!("R2 fits")
    };
    let early = refund_notification("WGRN7", "WGRN7-R2", 20, "SUCCESS");
    assert_eq!(deliver(&url, &early).await, 200);
    assert_eq!(books.refunds("WGRN7-R2"), 1);
    held.commit().unwrap();
    // The ledger holds R3 for 10: a success of it for 25 is not this refund.
    let RefundClaim::Fresh(held) = ledger.claim_refund(&refund("WGRN7-R3", 10)).unwrap() else {
        panic!("R3 fits")
    };
    held.commit().unwrap();
    let other = refund_notification("WGRN7", "WGRN7-R3", 25, "SUCCESS");
    assert_eq!(deliver(&url, &other).await, 400);
    assert_eq!(books.refunds("WGRN7-R3"), 0);
    // 30 + 20 + 10 of 100 counted: 41 more does not fit, 40 does.
    assert!(matches!(
        ledger.claim_refund(&refund("WGRN7-R4", 41)).unwrap(),
        RefundClaim::AbovePaid { reserved, .. } if reserved == Fen::new(60)
    ));
}

/// A shop on SQL whose refund write counts in its own table, in the ledger's
/// transaction; the first `failing` writes fail after they wrote (rolled back with the
/// acceptance). Its payments are the ledger's rows alone, of the orders it was told of.
struct SqlBooks {
    failing: Mutex<u32>,
    orders: Mutex<HashMap<String, Order>>,
}

impl SqlBooks {
    fn failing(failing: u32) -> SqlBooks {
        SqlBooks {
            failing: Mutex::new(failing),
            orders: Mutex::default(),
        }
    }
}

/// [`SqlBooks`] on a database whose upsert of a refund's count is `$upsert`.
macro_rules! sql_books {
    ($db:ty, $upsert:literal) => {
        impl SqlShop<$db> for SqlBooks {
            async fn order(&self, payment: &Payment) -> Option<Order> {
                self.orders.lock().unwrap().get(&payment.order).cloned()
            }

            async fn apply(
                &self,
                _: &mut Transaction<'static, $db>,
                _: &Payment,
            ) -> Result<(), String> {
                Ok(())
            }

            async fn refunded(
                &self,
                tx: &mut Transaction<'static, $db>,
                refund: &RefundOutcome,
            ) -> Result<(), String> {
                sqlx::query($upsert)
                    .bind(&refund.refund_no)
                    .execute(&mut **tx)
                    .await
                    .map_err(|e| e.to_string())?;
                let mut failing = self.failing.lock().unwrap();
                if *failing > 0 {
                    *failing -= 1;
                    return Err("the disk is full".into());
                }
                Ok(())
            }
        }
    };
}

sql_books!(
    Sqlite,
    "INSERT INTO shop_refunds (out_refund_no, written) VALUES (?1, 1) \
     ON CONFLICT (out_refund_no) DO UPDATE SET written = written + 1"
);
sql_books!(
    sqlx::Postgres,
    "INSERT INTO shop_refunds (out_refund_no, written) VALUES ($1, 1) \
     ON CONFLICT (out_refund_no) DO UPDATE SET written = shop_refunds.written + 1"
);

/// Applies a payment of 100 HKD cents for `order` in `tx`, as its notification would.
async fn pay<DB: paywire_sqlx::Backend>(tx: &mut Transaction<'static, DB>, order: &str) {
    let payment = Payment {
        key: OrderKey::new("wechat-global", order),
        order: order.to_owned(),
        amount: Fen::new(100),
        currency: Some("HKD".into()),
        gateway_order: Some("4200000000202412070001".into()),
        must_match: MustMatch::default(),
    };
    let expected = Expected {
        amount: Fen::new(100),
        currency: Some("HKD"),
        gateway_order: None,
    };
    let applied = paywire_sqlx::apply_once(tx, &payment, &expected).await;
    assert_eq!(applied.unwrap(), Applied::Fresh);
}

/// A fresh SQLite file with the ledger's tables and the shop's, and order `order` paid
/// 100 fen.
async fn sql_shop(order: &str) -> (SqlitePool, std::path::PathBuf) {
    let (pool, dir) = sql_tables(order).await;
    let mut tx = paywire_sqlx::begin(&pool).await.unwrap();
    pay(&mut tx, order).await;
    tx.commit().await.unwrap();
    (pool, dir)
}

/// A fresh SQLite file, named for `order`, with the ledger's tables and the shop's.
async fn sql_tables(order: &str) -> (SqlitePool, std::path::PathBuf) {
    support::sqlite_shop(
        &format!("refund-notice-{order}"),
        "CREATE TABLE shop_refunds (out_refund_no TEXT PRIMARY KEY, written INTEGER NOT NULL)",
    )
    .await
}

/// Records `fen` under `refund_no` as the merchant does before sending the refund.
async fn record(pool: &SqlitePool, order: &str, refund_no: &str, fen: u64) -> Refunded {
    let mut tx = paywire_sqlx::begin(pool).await.unwrap();
    let refund = Refund {
        gateway: "wechat-global",
        out_trade_no: order,
        out_refund_no: refund_no,
        amount: Fen::new(fen),
    };
    let found = paywire_sqlx::refund_once(&mut tx, &refund).await.unwrap();
    tx.commit().await.unwrap();
    found
}

async fn written(pool: &SqlitePool, refund_no: &str) -> i64 {
    sqlx::query_scalar("SELECT written FROM shop_refunds WHERE out_refund_no = ?1")
        .bind(refund_no)
        .fetch_optional(pool)
        .await
        .unwrap()
        .unwrap_or(0)
}

async fn unaccepted(pool: &SqlitePool) -> Vec<String> {
    let mut numbers: Vec<String> = paywire_sqlx::unaccepted_refunds(pool, Duration::ZERO)
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.out_refund_no)
        .collect();
    numbers.sort();
    numbers
}

/// [`sql_shop`] for `order`, served by paywire-axum in the shop's transactions with
/// [`SqlBooks`] whose first `failing` writes fail, and refund `<order>-R1` of 40 recorded
/// as the merchant records it before sending: the pool, its folder, the route's URL.
async fn sql_route(order: &str, failing: u32) -> (SqlitePool, std::path::PathBuf, String) {
    let (pool, dir) = sql_shop(order).await;
    let url = serve(
        Notifications::in_transaction(SqlBooks::failing(failing), pool.clone())
            .receive(receiver())
            .router(),
    )
    .await;
    assert!(matches!(
        record(&pool, order, &format!("{order}-R1"), 40).await,
        Refunded::Fresh { .. }
    ));
    (pool, dir, url)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_the_shop_s_transaction_a_success_is_accepted_once_and_a_closed_refund_taken_back() {
    let (pool, dir, url) = sql_route("WGRN3", 0).await;
    assert!(matches!(
        record(&pool, "WGRN3", "WGRN3-R2", 20).await,
        Refunded::Fresh { .. }
    ));
    assert_eq!(unaccepted(&pool).await, ["WGRN3-R1", "WGRN3-R2"]);

    // The success, delivered twice: accepted and written once.
    let success = refund_notification("WGRN3", "WGRN3-R1", 40, "SUCCESS");
    assert_eq!(deliver(&url, &success).await, 200);
    assert_eq!(deliver(&url, &success).await, 200);
    assert_eq!(written(&pool, "WGRN3-R1").await, 1);
    assert_eq!(unaccepted(&pool).await, ["WGRN3-R2"]);

    // The books hold WGRN3-R2 for 20: a notification of it for 25 is refused.
    let other_amount = refund_notification("WGRN3", "WGRN3-R2", 25, "SUCCESS");
    assert_eq!(deliver(&url, &other_amount).await, 400);
    assert_eq!(written(&pool, "WGRN3-R2").await, 0);
    // The order was paid in HKD: a refund of it in USD is not this refund, whether it
    // succeeded or closed.
    for status in ["SUCCESS", "CLOSED"] {
        let other_currency = refund_notification_in("WGRN3", "WGRN3-R2", 20, status, "USD");
        assert_eq!(deliver(&url, &other_currency).await, 400, "{status}");
    }
    assert_eq!(written(&pool, "WGRN3-R2").await, 0);
    assert_eq!(unaccepted(&pool).await, ["WGRN3-R2"]);

    // Closed by the gateway (no money went back): taken back from the books, its room
    // free again (40 of 100 refunded now); delivered again, nothing more to take back.
    let closed = refund_notification("WGRN3", "WGRN3-R2", 20, "CLOSED");
    assert_eq!(deliver(&url, &closed).await, 200);
    assert_eq!(deliver(&url, &closed).await, 200);
    assert_eq!(written(&pool, "WGRN3-R2").await, 0);
    assert_eq!(unaccepted(&pool).await, Vec::<String>::new());

    // A refund made by hand at the gateway: recorded and accepted, so the books count
    // it against what was paid (40 + 30 of 100 now).
    let by_hand = refund_notification("WGRN3", "WGRN3-H1", 30, "SUCCESS");
    assert_eq!(deliver(&url, &by_hand).await, 200);
    assert_eq!(deliver(&url, &by_hand).await, 200);
    assert_eq!(written(&pool, "WGRN3-H1").await, 1);
    assert_eq!(unaccepted(&pool).await, Vec::<String>::new());
    assert!(matches!(
        record(&pool, "WGRN3", "WGRN3-R3", 31).await,
        Refunded::AbovePaid { refunded, .. } if refunded == Fen::new(70)
    ));
    // One by hand that does not fit in what is left: refused, nothing recorded.
    let too_much = refund_notification("WGRN3", "WGRN3-H2", 31, "SUCCESS");
    assert_eq!(deliver(&url, &too_much).await, 400);
    assert_eq!(written(&pool, "WGRN3-H2").await, 0);
    // Of an order the books hold no payment of: refused.
    let unpaid = refund_notification("WGRN3-X", "WGRN3-X1", 1, "SUCCESS");
    assert_eq!(deliver(&url, &unpaid).await, 400);
    // A refund of nothing: refused as malformed, never retried against the books.
    let nothing = refund_notification("WGRN3", "WGRN3-H3", 0, "SUCCESS");
    assert_eq!(deliver(&url, &nothing).await, 400);
    assert_eq!(written(&pool, "WGRN3-H3").await, 0);
    assert!(matches!(
        record(&pool, "WGRN3", "WGRN3-R4", 30).await,
        Refunded::Fresh { refunded, .. } if refunded == Fen::new(100)
    ));
    // Abnormal (the money's way back failed; the merchant settles it at the gateway):
    // acknowledged, the books keep it, unaccepted, for the merchant's sweep.
    let abnormal = refund_notification("WGRN3", "WGRN3-R4", 30, "ABNORMAL");
    assert_eq!(deliver(&url, &abnormal).await, 200);
    assert_eq!(written(&pool, "WGRN3-R4").await, 0);
    assert_eq!(unaccepted(&pool).await, ["WGRN3-R4"]);
    drop(pool);
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_the_shop_s_transaction_a_failed_refund_write_rolls_the_acceptance_back() {
    let (pool, dir, url) = sql_route("WGRN4", 1).await;
    let success = refund_notification("WGRN4", "WGRN4-R1", 40, "SUCCESS");
    assert_eq!(deliver(&url, &success).await, 500);
    assert_eq!(written(&pool, "WGRN4-R1").await, 0);
    assert_eq!(unaccepted(&pool).await, ["WGRN4-R1"]);
    assert_eq!(deliver(&url, &success).await, 200);
    assert_eq!(written(&pool, "WGRN4-R1").await, 1);
    assert_eq!(unaccepted(&pool).await, Vec::<String>::new());
    drop(pool);
    let _ = std::fs::remove_dir_all(dir);
}

/// Marks `refund_no` accepted as the merchant does once the gateway's answer to the refund
/// request took it.
async fn accept(pool: &SqlitePool, order: &str, refund_no: &str, fen: u64) {
    let mut tx = paywire_sqlx::begin(pool).await.unwrap();
    let refund = Refund {
        gateway: "wechat-global",
        out_trade_no: order,
        out_refund_no: refund_no,
        amount: Fen::new(fen),
    };
    let marked = paywire_sqlx::accept_refund(&mut tx, &refund).await.unwrap();
    assert_eq!(marked, paywire_sqlx::Accepted::Marked);
    tx.commit().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_the_shop_s_transaction_a_success_after_the_answer_took_the_refund_is_written_once() {
    let (pool, dir, url) = sql_route("WGRN5", 0).await;
    // WeChat Pay answers a refund request with the refund taken, PROCESSING; the merchant
    // marks it accepted, as the books ask. Its success arrives later, by notification.
    accept(&pool, "WGRN5", "WGRN5-R1", 40).await;
    assert_eq!(unaccepted(&pool).await, Vec::<String>::new());
    let success = refund_notification("WGRN5", "WGRN5-R1", 40, "SUCCESS");
    assert_eq!(deliver(&url, &success).await, 200);
    assert_eq!(deliver(&url, &success).await, 200);
    assert_eq!(written(&pool, "WGRN5-R1").await, 1);
    // A close reported after the success contradicts it: the money went back, so the
    // books keep its room taken (60 of 100 left, not 100).
    let closed = refund_notification("WGRN5", "WGRN5-R1", 40, "CLOSED");
    assert_eq!(deliver(&url, &closed).await, 200);
    assert!(matches!(
        record(&pool, "WGRN5", "WGRN5-R2", 61).await,
        Refunded::AbovePaid { refunded, .. } if refunded == Fen::new(40)
    ));
    drop(pool);
    let _ = std::fs::remove_dir_all(dir);
}

/// Ends refund `refund_no` held at the sandbox: `end` is `succeed` or `close`.
async fn end_refund(world: &World, refund_no: &str, end: &str) {
    let url = format!(
        "{}/_sandbox/wechat-global/refunds/{refund_no}/{end}",
        world.sandbox.url()
    );
    let request = http::Request::post(url).body(Vec::new()).unwrap();
    let answer = world.client.send(request).await.unwrap();
    assert_eq!(answer.status(), 200, "{answer:?}");
}

/// Records `refund_no` of `fen` in the shop's books, sends it to the sandbox and marks it
/// accepted on the answer, as a merchant does; the books' answer to recording it.
async fn refund_through_the_books(
    world: &World,
    pool: &SqlitePool,
    order: &wg::JsapiOrder,
    refund_no: &str,
    fen: u64,
) {
    let recorded = record(pool, &order.out_trade_no, refund_no, fen).await;
    assert!(matches!(recorded, Refunded::Fresh { .. }), "{recorded:?}");
    world.refund(order, refund_no, Fen::new(fen)).await;
    accept(pool, &order.out_trade_no, refund_no, fen).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refunds_the_sandbox_holds_then_closes_or_completes_reach_the_shop_s_books() {
    let (pool, dir) = sql_tables("WGRN8").await;
    let shop = std::sync::Arc::new(SqlBooks::failing(0));
    let router = Notifications::in_transaction(shop.clone(), pool.clone())
        .receive(receiver())
        .router();
    let config = SandboxConfig {
        hold_refunds: true,
        ..SandboxConfig::default()
    };
    let world = World::start_with(router, config).await;
    let order = world.place("WGRN8").await;
    let paid = order.amount.total;
    shop.orders.lock().unwrap().insert(
        "WGRN8".into(),
        Order::new(Fen::new(paid)).currency(order.amount.currency.clone()),
    );
    world.sandbox.pay("WGRN8").unwrap();
    assert_eq!(world.deliveries("WGRN8", 1).await, [Some(200)]);

    // Most of it refunded and taken (PROCESSING); then the gateway closes it: the
    // closing notification takes it back from the books, and the whole amount can be
    // refunded again, at the gateway and in the books.
    refund_through_the_books(&world, &pool, &order, "WGRN8-R1", paid - 1).await;
    end_refund(&world, "WGRN8-R1", "close").await;
    assert_eq!(world.deliveries("WGRN8", 2).await, [Some(200), Some(200)]);
    assert_eq!(written(&pool, "WGRN8-R1").await, 0);
    refund_through_the_books(&world, &pool, &order, "WGRN8-R2", paid).await;
    // Then the gateway completes it: its success is written once, although its
    // acceptance was recorded from the answer.
    end_refund(&world, "WGRN8-R2", "succeed").await;
    assert_eq!(
        world.deliveries("WGRN8", 3).await,
        [Some(200), Some(200), Some(200)]
    );
    assert_eq!(written(&pool, "WGRN8-R2").await, 1);
    // Nothing is left to refund, in the books or at the gateway's.
    assert!(matches!(
        record(&pool, "WGRN8", "WGRN8-R3", 1).await,
        Refunded::AbovePaid { .. }
    ));
    drop(pool);
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_deliveries_to_three_instances_write_each_refund_once() {
    use paywire_sandbox::postgres_server::PostgresServer;
    if !PostgresServer::installed() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install postgresql (see .ci/run)"
        );
        eprintln!("skipped: PostgreSQL is not installed (apt-get install postgresql)");
        return;
    }
    let server = PostgresServer::start().expect("postgres starts on loopback");
    let instance = || async {
        sqlx::postgres::PgPoolOptions::new()
            .max_connections(4)
            .acquire_timeout(Duration::from_secs(10))
            .connect(&server.url)
            .await
            .unwrap()
    };
    let pool = instance().await;
    paywire_sqlx::migrate(&pool).await.unwrap();
    sqlx::query(
        "CREATE TABLE shop_refunds (out_refund_no TEXT PRIMARY KEY, written BIGINT NOT NULL)",
    )
    .execute(&pool)
    .await
    .unwrap();
    let mut urls = Vec::new();
    for _ in 0..3 {
        let router = Notifications::in_transaction(SqlBooks::failing(0), instance().await)
            .receive(receiver())
            .router();
        urls.push(serve(router).await);
    }
    let orders: Vec<String> = (0..8).map(|i| format!("WGPG{i}")).collect();
    for order in &orders {
        let mut tx = paywire_sqlx::begin(&pool).await.unwrap();
        pay(&mut tx, order).await;
        // R1 recorded before it was sent; H1 made by hand at the gateway, unknown to the
        // books.
        let refund = Refund {
            gateway: "wechat-global",
            out_trade_no: order,
            out_refund_no: &format!("{order}-R1"),
            amount: Fen::new(40),
        };
        let recorded = paywire_sqlx::refund_once(&mut tx, &refund).await.unwrap();
        assert!(matches!(recorded, Refunded::Fresh { .. }), "{recorded:?}");
        tx.commit().await.unwrap();
    }
    // Every success delivered twice to each instance, all at once.
    let mut racing = Vec::new();
    for order in &orders {
        for (refund_no, fen) in [(format!("{order}-R1"), 40), (format!("{order}-H1"), 30)] {
            let notice = refund_notification(order, &refund_no, fen, "SUCCESS");
            for url in urls.iter().chain(urls.iter()) {
                let (url, notice) = (url.clone(), notice.clone());
                racing.push(tokio::spawn(async move { deliver(&url, &notice).await }));
            }
        }
    }
    for delivery in racing {
        assert_eq!(delivery.await.unwrap(), 200);
    }
    let written: Vec<(String, i64)> =
        sqlx::query_as("SELECT out_refund_no, written FROM shop_refunds ORDER BY out_refund_no")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(written.len(), orders.len() * 2, "{written:?}");
    assert!(written.iter().all(|(_, n)| *n == 1), "{written:?}");
    let left = paywire_sqlx::unaccepted_refunds(&pool, Duration::ZERO)
        .await
        .unwrap();
    assert_eq!(left, []);
    // Each order's books count both refunds: 70 of 100, so 31 more does not fit.
    for order in &orders {
        let mut tx = paywire_sqlx::begin(&pool).await.unwrap();
        let refund = Refund {
            gateway: "wechat-global",
            out_trade_no: order,
            out_refund_no: &format!("{order}-R2"),
            amount: Fen::new(31),
        };
        let found = paywire_sqlx::refund_once(&mut tx, &refund).await.unwrap();
        assert!(
            matches!(found, Refunded::AbovePaid { refunded, .. } if refunded == Fen::new(70)),
            "{order}: {found:?}"
        );
    }
}
