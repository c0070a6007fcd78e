//! The example merchant server's routes, with the sandbox delivering to them: a
//! notification of each of the four notifying gateways is verified and applied exactly
//! once, the first write of every order failing (answered 500 and applied on the
//! sandbox's retry), an order the shop does not know is never applied, and a refund of the
//! WeChat Pay Global order, notified to the same route, is written by the shop.

#[path = "../examples/merchant.rs"]
mod merchant;
#[path = "support/orders.rs"]
mod orders;

use paywire::client::Client;
use paywire::ledger::{Payment, RefundOutcome};
use paywire::Fen;
use paywire_axum::{Order, Shop};
use paywire_sandbox::{Gateway, Sandbox};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

/// The example's shop, with every order's first write failing; counts the writes.
#[derive(Default)]
struct Flaky {
    orders: merchant::Orders,
    writes: Mutex<HashMap<String, u32>>,
}

impl Shop for Flaky {
    async fn order(&self, payment: &Payment) -> Option<Order> {
        self.orders.order(payment).await
    }

    async fn apply(&self, payment: &Payment) -> Result<(), String> {
        let first = {
            let mut writes = self.writes.lock().unwrap();
            let n = writes.entry(payment.order.clone()).or_default();
            *n += 1;
            *n == 1
        };
        if first {
            return Err("deadlock detected".into());
        }
        self.orders.apply(payment).await
    }

    async fn refunded(&self, refund: &RefundOutcome) -> Result<(), String> {
        self.orders.refunded(refund).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_gateway_s_notification_is_applied_once_after_a_failed_write() {
    let shop = std::sync::Arc::new(Flaky::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let notify = format!("http://{}/notify", listener.local_addr().unwrap());
    let routes = merchant::notify_routes(shop.clone());
    tokio::spawn(async move { axum::serve(listener, routes).await });

    let sandbox = Sandbox::start(orders::quick_retries(), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let client = Client::new().unwrap();
    let mut placed = Vec::new();
    for (n, gateway) in orders::NOTIFYING.into_iter().enumerate() {
        let url = format!("{notify}/{}", gateway.name());
        let order =
            orders::place(&sandbox, &client, gateway, &format!("EXAMPLE{n:011}"), &url).await;
        shop.orders.place(&order.number, order.order.clone());
        placed.push(order);
    }
    // One more SwiftPass order the shop never placed: delivered, refused, never applied.
    let url = format!("{notify}/swiftpass");
    orders::place(&sandbox, &client, Gateway::SWIFTPASS, "NOT-OURS-1", &url).await;
    for order in sandbox.orders() {
        let pay = http::Request::post(format!(
            "{}/_sandbox/orders/{}/pay",
            sandbox.url(),
            order.id
        ))
        .body(Vec::new())
        .unwrap();
        assert_eq!(client.send(pay).await.unwrap().status(), 200);
    }

    let numbers: Vec<&String> = placed.iter().map(|p| &p.number).collect();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let paid = shop
            .orders
            .placed
            .lock()
            .unwrap()
            .values()
            .filter(|(_, paid)| *paid)
            .count();
        if paid == numbers.len() || tokio::time::Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let orders = shop.orders.placed.lock().unwrap().clone();
    let writes = shop.writes.lock().unwrap().clone();
    for number in numbers {
        assert!(orders[number.as_str()].1, "{number} applied: {orders:?}");
        assert_eq!(
            writes[number.as_str()],
            2,
            "{number}: one failed write, one that stood"
        );
    }
    assert!(
        !writes.contains_key("NOT-OURS-1"),
        "an unknown order is never written"
    );
    // The sandbox saw 500 for the failed write, then the acknowledgement. The shop
    // applies an order before its answer reaches the sandbox, so the sandbox's record
    // of that answer is waited for.
    for order in sandbox
        .orders()
        .iter()
        .filter(|o| o.out_trade_no != "NOT-OURS-1")
    {
        let order = sandbox
            .wait_acknowledged(&order.id, Duration::from_secs(10))
            .await
            .unwrap();
        let statuses: Vec<_> = order.deliveries.iter().map(|d| d.status).collect();
        assert_eq!(statuses.first(), Some(&Some(500)), "{order:?}");
        assert!(order.acknowledged, "{order:?}");
    }
    let stranger = sandbox
        .orders()
        .into_iter()
        .find(|o| o.out_trade_no == "NOT-OURS-1")
        .unwrap();
    let stranger = sandbox
        .wait_acknowledged(&stranger.id, Duration::from_millis(500))
        .await
        .unwrap();
    assert!(
        !stranger.deliveries.is_empty() && !stranger.acknowledged,
        "{stranger:?}"
    );
    assert!(
        stranger.deliveries.iter().all(|d| d.status == Some(400)),
        "{stranger:?}"
    );

    // A refund of the WeChat Pay Global order, its notification sent to the same route.
    let global = placed.last().unwrap();
    let url = format!("{notify}/wechat-global");
    orders::refund_wechat_global(&sandbox, &client, global, "EXAMPLE-R1", Fen::new(1), &url).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !shop
        .orders
        .refunded
        .lock()
        .unwrap()
        .contains_key("EXAMPLE-R1")
        && tokio::time::Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        shop.orders.refunded.lock().unwrap().get("EXAMPLE-R1"),
        Some(&Fen::new(1)),
        "the refund's success written by the example shop"
    );
}

/// A refund the example shop writes is one of its own orders', in that order's currency:
/// an authentic refund notification for an order it never placed, or in another currency
/// than the order was placed in, is refused (the error is logged, the gateway delivers
/// again) and never written.
#[tokio::test]
async fn the_example_shop_writes_a_refund_only_for_its_own_order_in_its_currency() {
    let shop = merchant::Orders::default();
    shop.place("HK-1", Order::new(Fen::new(100)).currency("HKD"));
    let refund = |order: &str, no: &str, currency: &str| RefundOutcome {
        order: paywire::ledger::OrderKey::new(paywire_providers::wechat_global::GATEWAY, order),
        refund_no: no.into(),
        amount: Fen::new(40),
        currency: Some(currency.into()),
        gateway_refund: Some("50300000000000000000000000000000".into()),
        result: paywire::ledger::RefundResult::Succeeded,
    };

    let usd = shop.refunded(&refund("HK-1", "R-USD", "USD")).await;
    assert!(usd.unwrap_err().contains("USD"), "names the currency");
    let stranger = shop.refunded(&refund("NOT-OURS", "R-X", "HKD")).await;
    assert!(
        stranger.unwrap_err().contains("NOT-OURS"),
        "names the order"
    );
    shop.refunded(&refund("HK-1", "R-HKD", "HKD"))
        .await
        .unwrap();

    let written = shop.refunded.lock().unwrap().clone();
    assert_eq!(
        written,
        HashMap::from([("R-HKD".to_owned(), Fen::new(40))]),
        "only the refund of the shop's order in its currency is written"
    );
}
