//! The example merchant server's routes, with the sandbox delivering to them: a
//! notification of each of the four notifying gateways is verified and applied exactly
//! once, the first write of every order failing (answered 500 and applied on the
//! sandbox's retry), an order the shop does not know is never applied, and a refund of the
//! WeChat Pay Global order, notified to the same route, is written by the shop.

#[path = "../examples/merchant.rs"]
mod merchant;

use paywire::client::Client;
use paywire::keys::MerchantKey;
use paywire::ledger::{Payment, RefundOutcome};
use paywire::{Fen, Secret};
use paywire_axum::{Order, Shop};
use paywire_providers::wechat::v3::MerchantSigner;
use paywire_providers::{swiftpass, xorpay};
use paywire_sandbox::config::RetryConfig;
use paywire_sandbox::{Gateway, Sandbox, SandboxConfig};
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

    let config = SandboxConfig {
        retry: RetryConfig {
            first_delay_ms: 20,
            max_delay_ms: 100,
            ..RetryConfig::default()
        },
        ..SandboxConfig::default()
    };
    let sandbox = Sandbox::start(config.clone(), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let client = Client::new().unwrap();
    let known = |number: &str, order: Order| shop.orders.place(number, order);

    let mut swift = paywire_providers::swiftpass::sample();
    swift.mch_id = config.swiftpass.mch_id.clone();
    swift.notify_url = format!("{notify}/swiftpass");
    known(&swift.out_trade_no, Order::new(swift.total_fee));
    let gateway = swiftpass::gateway_url(&sandbox.base_url(Gateway::SWIFTPASS));
    let key = Secret::new(config.swiftpass.key.as_str());
    let mut requests = vec![paywire_providers::swiftpass::request(&gateway, &swift, &key).unwrap()];

    let mut weidoufu = paywire_providers::weidoufu::sample();
    weidoufu.access_key = config.weidoufu.access_key.clone();
    weidoufu.notify_url = format!("{notify}/weidoufu");
    known(&weidoufu.out_order_no, Order::new(weidoufu.total_fee));
    let secret = Secret::new(config.weidoufu.secret_key.as_str());
    requests.push(
        paywire_providers::weidoufu::request(
            &sandbox.base_url(Gateway::WEIDOUFU),
            &weidoufu,
            &secret,
        )
        .unwrap(),
    );

    let mut xorpay = paywire_providers::xorpay::sample();
    xorpay.aid = config.xorpay.aid.clone();
    xorpay.notify_url = format!("{notify}/xorpay");
    let secret = Secret::new(config.xorpay.app_secret.as_str());
    let placed = client
        .send(
            paywire_providers::xorpay::request(
                &sandbox.base_url(Gateway::XORPAY),
                &xorpay,
                &secret,
            )
            .unwrap(),
        )
        .await
        .unwrap();
    // XorPay's answer names the aoid its notification will carry: the order keeps it.
    let aoid = xorpay::read_answer(placed.body()).unwrap().aoid;
    known(
        &xorpay.order_id,
        Order::new(xorpay.price.fen()).gateway_order(aoid),
    );

    let mut wechat = paywire_providers::wechat_global::sample_direct();
    wechat.mchid = Some(config.wechat_global.mchid.clone());
    wechat.notify_url = format!("{notify}/wechat-global");
    known(
        &wechat.out_trade_no,
        Order::new(Fen::new(wechat.amount.total)).currency(wechat.amount.currency.clone()),
    );
    let key = MerchantKey::from_pem(paywire_sandbox::keys::MERCHANT_PRIVATE_KEY_PEM).unwrap();
    let signer = MerchantSigner::new(
        &config.wechat_global.mchid,
        &config.wechat_global.merchant_serial,
        key,
    );
    let now = paywire_sandbox::state::unix_now();
    requests.push(
        paywire_providers::wechat_global::request(
            &sandbox.base_url(Gateway::WECHAT_GLOBAL),
            &wechat,
            &signer,
            now,
            "N1",
        )
        .unwrap(),
    );

    // One more SwiftPass order the shop never placed: delivered, refused, never applied.
    let mut stranger = swift.clone();
    stranger.out_trade_no = "NOT-OURS-1".into();
    let key = Secret::new(config.swiftpass.key.as_str());
    requests.push(paywire_providers::swiftpass::request(&gateway, &stranger, &key).unwrap());

    for request in requests {
        let answer = client.send(request).await.unwrap();
        assert_eq!(
            answer.status(),
            200,
            "{}",
            String::from_utf8_lossy(answer.body())
        );
    }
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

    let numbers = [
        &swift.out_trade_no,
        &weidoufu.out_order_no,
        &xorpay.order_id,
        &wechat.out_trade_no,
    ];
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
    let refund = paywire_providers::wechat_global::RefundRequest {
        mchid: Some(config.wechat_global.mchid.clone()),
        sp_mchid: None,
        sub_mchid: None,
        transaction_id: None,
        out_trade_no: Some(wechat.out_trade_no.clone()),
        out_refund_no: "EXAMPLE-R1".into(),
        reason: None,
        notify_url: Some(format!("{notify}/wechat-global")),
        amount: paywire_providers::wechat_global::RefundAmount {
            refund: Fen::new(1),
            total: Fen::new(wechat.amount.total),
            currency: wechat.amount.currency.clone(),
        },
    };
    let request = paywire_providers::wechat_global::refund_request(
        &sandbox.base_url(Gateway::WECHAT_GLOBAL),
        &refund,
        &signer,
        paywire_sandbox::state::unix_now(),
        "R1",
    )
    .unwrap();
    assert_eq!(client.send(request).await.unwrap().status(), 200);
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
