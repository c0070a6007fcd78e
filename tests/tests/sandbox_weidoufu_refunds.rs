//! weidoufu's query and refunds against the sandbox over HTTP. weidoufu's refund carries
//! no refund number: the same signed refund sent twice is two refunds at the gateway, so
//! the merchant's ledger keeps a refund once; the gateway takes at most ten refunds of an
//! order and never more than was paid, and paywire refuses a refund above what was paid
//! before signing it.

use paywire::client::Client;
use paywire::ledger::{Ledger, OrderKey, Refund as LedgerRefund, RefundClaim};
use paywire::{Fen, Secret};
use paywire_providers::weidoufu::{self, LifecycleError, PayStatus, QueryOrder, MAX_REFUNDS};
use paywire_sandbox::{Gateway, Sandbox, SandboxConfig};

struct Shop {
    sandbox: Sandbox,
    client: Client,
    secret: Secret,
    access_key: String,
}

impl Shop {
    async fn start() -> Shop {
        let sandbox = Sandbox::start(SandboxConfig::default(), "127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();
        let config = sandbox.config().weidoufu.clone();
        Shop {
            sandbox,
            client: Client::new().unwrap(),
            secret: Secret::new(config.secret_key.as_str()),
            access_key: config.access_key,
        }
    }

    fn base(&self) -> String {
        self.sandbox.base_url(Gateway::WEIDOUFU)
    }

    /// Places an order of `fen`; returns weidoufu's number for it.
    async fn place(&self, number: &str, fen: u64) -> String {
        let mut order = weidoufu::sample();
        order.access_key = self.access_key.clone();
        order.out_order_no = number.into();
        order.total_fee = Fen::new(fen);
        order.ledger = None;
        order.notify_url = "http://127.0.0.1:9/notify".into();
        let request = weidoufu::request(&self.base(), &order, &self.secret).unwrap();
        let answer = self.client.send(request).await.unwrap();
        weidoufu::read_answer(answer.body()).unwrap().mch_trade_no
    }

    async fn query(&self, query: &QueryOrder) -> Result<weidoufu::QueryData, LifecycleError> {
        let request = weidoufu::query_request(&self.base(), query).unwrap();
        let answer = self.client.send(request).await.unwrap();
        weidoufu::read_query_answer(answer.body())
    }

    async fn refund(&self, number: &str, fen: u64, paid: u64) -> Result<(), LifecycleError> {
        let refund = weidoufu::Refund {
            access_key: self.access_key.clone(),
            refund_fee: Fen::new(fen),
            mch_trade_no: None,
            out_order_no: Some(number.into()),
        };
        let request =
            weidoufu::refund_request(&self.base(), &refund, &self.secret, Fen::new(paid))?;
        let answer = self.client.send(request).await.unwrap();
        weidoufu::read_refund_answer(answer.body(), Fen::new(fen)).map(|_| ())
    }

    fn refunded(&self, number: &str) -> Vec<u64> {
        self.sandbox
            .orders_numbered(number, Some(Gateway::WEIDOUFU))
            .remove(0)
            .refunds
            .iter()
            .map(|r| r.amount_fen)
            .collect()
    }
}

fn refused(result: Result<(), LifecycleError>) -> String {
    match result {
        Err(LifecycleError::Refused { message }) => message,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_query_follows_the_order_from_pending_to_paid_by_either_number() {
    let shop = Shop::start().await;
    let unknown = QueryOrder::by_merchant_number("WDQ000000000000000000");
    match shop.query(&unknown).await {
        Err(LifecycleError::Refused { message }) => assert_eq!(message, "订单不存在"),
        other => panic!("{other:?}"),
    }
    let platform = shop.place("WDQ000000000000000001", 500).await;
    let by_number = QueryOrder::by_merchant_number("WDQ000000000000000001");
    let pending = shop.query(&by_number).await.unwrap();
    assert_eq!(pending.pay_status(), Some(PayStatus::Pending));
    assert_eq!(pending.mch_trade_no, platform);
    shop.sandbox.pay("WDQ000000000000000001").unwrap();
    let by_platform = QueryOrder {
        mch_trade_no: Some(platform),
        out_order_no: None,
    };
    assert!(shop.query(&by_platform).await.unwrap().is_paid());
    assert!(shop.query(&by_number).await.unwrap().is_paid());

    shop.place("WDQ000000000000000002", 500).await;
    shop.sandbox.fail("WDQ000000000000000002").unwrap();
    let failed = QueryOrder::by_merchant_number("WDQ000000000000000002");
    assert_eq!(
        shop.query(&failed).await.unwrap().pay_status(),
        Some(PayStatus::Failed)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refund_without_a_refund_number_is_kept_once_by_the_ledger_not_the_gateway() {
    let shop = Shop::start().await;
    let number = "WDR000000000000000001";
    shop.place(number, 5000).await;
    assert_eq!(refused(shop.refund(number, 100, 5000).await), "订单未支付");
    shop.sandbox.pay(number).unwrap();

    // The same request twice is two refunds at the gateway.
    shop.refund(number, 1000, 5000).await.unwrap();
    shop.refund(number, 1000, 5000).await.unwrap();
    assert_eq!(shop.refunded(number), [1000, 1000]);

    // Through the ledger, under the merchant's refund number, it is sent once.
    let ledger = Ledger::in_memory();
    let refund = LedgerRefund {
        order: OrderKey::new(weidoufu::GATEWAY, number),
        refund_no: format!("{number}-R3"),
        amount: Fen::new(500),
        paid: Fen::new(5000),
    };
    let mut sent = 0;
    for _ in 0..3 {
        match ledger.claim_refund(&refund).unwrap() {
            RefundClaim::Fresh(held) => {
                shop.refund(number, 500, 5000).await.unwrap();
                sent += 1;
                held.commit().unwrap();
            }
            RefundClaim::Done => {}
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(sent, 1);
    assert_eq!(shop.refunded(number), [1000, 1000, 500]);

    // 2500 of 5000 refunded: 2501 more is refused by the gateway; above what was paid it
    // is never signed.
    assert!(refused(shop.refund(number, 2501, 5000).await).contains("退款金额"));
    match shop.refund(number, 5001, 5000).await {
        Err(LifecycleError::AbovePaid { refund, paid }) => {
            assert_eq!((refund, paid), (Fen::new(5001), Fen::new(5000)))
        }
        other => panic!("{other:?}"),
    }
    shop.refund(number, 2500, 5000).await.unwrap();
    assert_eq!(shop.refunded(number).iter().sum::<u64>(), 5000);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_gateway_takes_at_most_ten_refunds_of_an_order() {
    let shop = Shop::start().await;
    let number = "WDR000000000000000002";
    shop.place(number, 100).await;
    shop.sandbox.pay(number).unwrap();
    for _ in 0..MAX_REFUNDS {
        shop.refund(number, 1, 100).await.unwrap();
    }
    assert!(refused(shop.refund(number, 1, 100).await).contains("10"));
    assert_eq!(shop.refunded(number).len(), MAX_REFUNDS);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refund_signed_with_another_key_is_refused() {
    let shop = Shop::start().await;
    let number = "WDR000000000000000003";
    shop.place(number, 100).await;
    shop.sandbox.pay(number).unwrap();
    let refund = weidoufu::Refund {
        access_key: shop.access_key.clone(),
        refund_fee: Fen::new(1),
        mch_trade_no: None,
        out_order_no: Some(number.into()),
    };
    let request = weidoufu::refund_request(
        &shop.base(),
        &refund,
        &Secret::new("not-the-key"),
        Fen::new(100),
    )
    .unwrap();
    let answer = shop.client.send(request).await.unwrap();
    match weidoufu::read_refund_answer(answer.body(), Fen::new(1)) {
        Err(LifecycleError::Refused { message }) => assert_eq!(message, "签名错误"),
        other => panic!("{other:?}"),
    }
    assert!(shop.refunded(number).is_empty());
}
