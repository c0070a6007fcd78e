//! XorPay's query and refunds against the sandbox over HTTP. XorPay's refund carries no
//! refund number: the gateway cannot tell a retry from a second refund, so sending the
//! same signed refund twice refunds twice. The merchant's ledger, keyed on the
//! merchant's own refund number, is what keeps it once; and a refund above what was paid
//! is refused before it is signed, and by the gateway.

use paywire::client::Client;
use paywire::ledger::{Ledger, OrderKey, Refund as LedgerRefund, RefundClaim};
use paywire::{Fen, Secret, Yuan};
use paywire_providers::xorpay::{self, LifecycleError, QueryStatus, RefundStatus};
use paywire_sandbox::{Gateway, Sandbox, SandboxConfig};

struct Shop {
    sandbox: Sandbox,
    client: Client,
    secret: Secret,
    aid: String,
}

impl Shop {
    async fn start() -> Shop {
        let sandbox = Sandbox::start(SandboxConfig::default(), "127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();
        let config = sandbox.config().xorpay.clone();
        Shop {
            sandbox,
            client: Client::new().unwrap(),
            secret: Secret::new(config.app_secret.as_str()),
            aid: config.aid,
        }
    }

    fn base(&self) -> String {
        self.sandbox.base_url(Gateway::XORPAY)
    }

    /// Places an order of `fen`; returns its aoid.
    async fn place(&self, number: &str, fen: u64) -> String {
        let mut order = xorpay::sample();
        order.aid = self.aid.clone();
        order.order_id = number.into();
        order.price = Yuan(Fen::new(fen));
        order.notify_url = "http://127.0.0.1:9/notify".into();
        let request = xorpay::request(&self.base(), &order, &self.secret).unwrap();
        let answer = self.client.send(request).await.unwrap();
        let body: serde_json::Value = serde_json::from_slice(answer.body()).unwrap();
        assert_eq!(body["status"], "ok", "{body}");
        body["aoid"].as_str().unwrap().to_owned()
    }

    async fn query(&self, number: &str) -> xorpay::QueryAnswer {
        let query = xorpay::QueryOrder {
            aid: self.aid.clone(),
            order_id: number.into(),
        };
        let request = xorpay::query_request(&self.base(), &query, &self.secret).unwrap();
        let answer = self.client.send(request).await.unwrap();
        xorpay::read_query_answer(answer.body()).unwrap()
    }

    async fn refund(&self, aoid: &str, fen: u64, paid: u64) -> Result<(), LifecycleError> {
        let refund = xorpay::Refund {
            aoid: aoid.into(),
            price: Yuan(Fen::new(fen)),
        };
        let request = xorpay::refund_request(&self.base(), &refund, &self.secret, Fen::new(paid))?;
        let answer = self.client.send(request).await.unwrap();
        xorpay::read_refund_answer(answer.body()).map(|_| ())
    }

    fn refunded(&self, number: &str) -> Vec<u64> {
        self.sandbox
            .orders_numbered(number, Some(Gateway::XORPAY))
            .remove(0)
            .refunds
            .iter()
            .map(|r| r.amount_fen)
            .collect()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_query_follows_the_order_from_new_to_paid() {
    let shop = Shop::start().await;
    assert_eq!(shop.query("XQ-0").await.status, QueryStatus::NotExist);
    let aoid = shop.place("XQ-1", 5000).await;
    assert_eq!(shop.query("XQ-1").await.status, QueryStatus::New);
    shop.sandbox.pay("XQ-1").unwrap();
    let paid = shop.query("XQ-1").await;
    assert!(paid.is_paid(), "{paid:?}");
    assert_eq!(paid.aoid.as_deref(), Some(aoid.as_str()));
    assert_eq!(paid.pay_price, Some(Yuan(Fen::new(5000))));
    assert!(paid.pay_time.is_some());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refund_without_a_refund_number_is_kept_once_by_the_ledger_not_the_gateway() {
    let shop = Shop::start().await;
    let aoid = shop.place("XR-1", 5000).await;
    shop.sandbox.pay("XR-1").unwrap();

    // The gateway has no refund number: the same request twice is two refunds there.
    shop.refund(&aoid, 1000, 5000).await.unwrap();
    shop.refund(&aoid, 1000, 5000).await.unwrap();
    assert_eq!(shop.refunded("XR-1"), [1000, 1000]);

    // Through the ledger, under the merchant's refund number, a retry is never sent.
    let ledger = Ledger::in_memory();
    let refund = LedgerRefund {
        order: OrderKey::new(xorpay::GATEWAY, "XR-1"),
        refund_no: "XR-1-R3".into(),
        amount: Fen::new(500),
        paid: Fen::new(5000),
    };
    let mut sent = 0;
    for _ in 0..3 {
        match ledger.claim_refund(&refund).unwrap() {
            RefundClaim::Fresh(held) => {
                shop.refund(&aoid, 500, 5000).await.unwrap();
                sent += 1;
                held.commit().unwrap();
            }
            RefundClaim::Done => {}
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(sent, 1);
    assert_eq!(shop.refunded("XR-1"), [1000, 1000, 500]);

    // 2500 of 5000 refunded: 2501 more is refused by the gateway; above the paid
    // amount, it is never signed.
    match shop.refund(&aoid, 2501, 5000).await {
        Err(LifecycleError::Refused { status, .. }) => assert_eq!(status, RefundStatus::PriceError),
        other => panic!("{other:?}"),
    }
    match shop.refund(&aoid, 5001, 5000).await {
        Err(LifecycleError::AbovePaid { refund, paid }) => {
            assert_eq!((refund, paid), (Fen::new(5001), Fen::new(5000)))
        }
        other => panic!("{other:?}"),
    }
    shop.refund(&aoid, 2500, 5000).await.unwrap();
    assert_eq!(shop.refunded("XR-1").iter().sum::<u64>(), 5000);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unpaid_order_is_not_refunded() {
    let shop = Shop::start().await;
    let aoid = shop.place("XR-2", 100).await;
    match shop.refund(&aoid, 100, 100).await {
        Err(LifecycleError::Refused { status, .. }) => assert_eq!(status, RefundStatus::OrderError),
        other => panic!("{other:?}"),
    }
}
