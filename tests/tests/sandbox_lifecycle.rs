//! The whole life of a SwiftPass payment over HTTP against the sandbox: query before
//! and after paying, refunds in parts through the merchant's ledger (a retry under the
//! same refund number refunds once, a refund past what was paid is never sent, and the
//! gateway refuses it too), the refund query's indexed family, and closing an unpaid
//! order, which can then never be paid.

use paywire::client::Client;
use paywire::ledger::{Ledger, OrderKey, Refund, RefundClaim};
use paywire::sign::SignTypeKey;
use paywire::{Fen, PayRequest, Secret};
use paywire_providers::swiftpass::{
    self, RefundQuery, RefundQueryAnswer, SwiftpassError, TradeClose, TradeCloseAnswer, TradeQuery,
    TradeQueryAnswer, TradeRefund, TradeRefundAnswer, TradeState, VerifyKey,
};
use paywire_sandbox::{Gateway, PayError, Sandbox, SandboxConfig};

struct Merchant {
    sandbox: Sandbox,
    client: Client,
    key: Secret,
    mch_id: String,
}

impl Merchant {
    async fn start() -> Merchant {
        let sandbox = Sandbox::start(SandboxConfig::default(), "127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();
        let config = sandbox.config().swiftpass.clone();
        Merchant {
            sandbox,
            client: Client::new().unwrap(),
            key: Secret::new(config.key.as_str()),
            mch_id: config.mch_id,
        }
    }

    fn url(&self) -> String {
        self.sandbox.call_url(Gateway::SWIFTPASS)
    }

    async fn place(&self, number: &str, fen: u64) {
        let mut order = swiftpass::sample();
        order.mch_id = self.mch_id.clone();
        order.out_trade_no = number.to_owned();
        order.total_fee = Fen::new(fen);
        order.notify_url = "http://127.0.0.1:9/notify".into();
        let request = swiftpass::request(&self.url(), &order, &self.key).unwrap();
        let answer = self.client.send(request).await.unwrap();
        swiftpass::verify_response(answer.body(), &VerifyKey::Md5(self.key.clone())).unwrap();
    }

    /// Sends `request` and reads its answer as `A`.
    async fn call<R, A>(&self, request: &R) -> Result<A, SwiftpassError>
    where
        R: PayRequest<Key = SignTypeKey>,
        A: paywire::PayResponse + paywire::FieldAccess,
    {
        let key = SignTypeKey::Md5(self.key.clone());
        let http = swiftpass::lifecycle_request(&self.url(), request, &key).unwrap();
        let answer = self.client.send(http).await.unwrap();
        assert_eq!(answer.status(), 200);
        swiftpass::read_answer::<A>(answer.body(), &VerifyKey::Md5(self.key.clone()))
            .map(|v| v.value)
    }

    async fn query(&self, number: &str) -> TradeQueryAnswer {
        let query = TradeQuery {
            version: None,
            charset: None,
            sign_type: None,
            mch_id: self.mch_id.clone(),
            out_trade_no: Some(number.into()),
            transaction_id: None,
            nonce_str: "n0nce".into(),
        };
        self.call(&query).await.unwrap()
    }

    fn refund(&self, number: &str, refund_no: &str, total: u64, fen: u64) -> TradeRefund {
        TradeRefund {
            version: None,
            charset: None,
            sign_type: None,
            mch_id: self.mch_id.clone(),
            out_trade_no: Some(number.into()),
            transaction_id: None,
            out_refund_no: refund_no.into(),
            total_fee: Fen::new(total),
            refund_fee: Fen::new(fen),
            op_user_id: TradeRefund::operator(&self.mch_id),
            refund_channel: None,
            nonce_str: "n0nce".into(),
        }
    }

    async fn refunds(&self, number: &str) -> RefundQueryAnswer {
        let query = RefundQuery {
            version: None,
            charset: None,
            sign_type: None,
            mch_id: self.mch_id.clone(),
            refund_id: None,
            out_refund_no: None,
            transaction_id: None,
            out_trade_no: Some(number.into()),
            nonce_str: "n0nce".into(),
        };
        self.call(&query).await.unwrap()
    }

    /// A refund as the merchant makes one: reserved in its ledger against what was
    /// paid, sent, then committed. Returns what the ledger said when it was not sent.
    async fn refund_once(
        &self,
        ledger: &Ledger,
        number: &str,
        refund_no: &str,
        paid: u64,
        fen: u64,
    ) -> Option<String> {
        let claim = ledger
            .claim_refund(&Refund {
                order: OrderKey::new(swiftpass::GATEWAY, number),
                refund_no: refund_no.into(),
                amount: Fen::new(fen),
                paid: Fen::new(paid),
            })
            .unwrap();
        match claim {
            RefundClaim::Fresh(held) => {
                let answer: TradeRefundAnswer = self
                    .call(&self.refund(number, refund_no, paid, fen))
                    .await
                    .unwrap();
                assert_eq!(answer.out_refund_no.as_deref(), Some(refund_no));
                assert_eq!(answer.refund_fee, Some(Fen::new(fen)));
                held.commit().unwrap();
                None
            }
            other => Some(format!("{other:?}")),
        }
    }
}

fn refused_code(result: Result<impl std::fmt::Debug, SwiftpassError>) -> String {
    match result {
        Err(SwiftpassError::Refused { err_code, .. }) => err_code.unwrap_or_default(),
        other => panic!("expected a verified refusal, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn pay_query_refund_in_parts_and_query_the_refunds() {
    let m = Merchant::start().await;
    let ledger = Ledger::in_memory();
    m.place("LIFE-1", 1000).await;
    let unpaid = m.query("LIFE-1").await;
    assert_eq!(unpaid.trade_state, Some(TradeState::NotPay));
    assert_eq!(unpaid.payment(), None, "nothing paid");

    // Nothing to refund before the payment.
    let early: Result<TradeRefundAnswer, _> = m.call(&m.refund("LIFE-1", "R-0", 1000, 100)).await;
    assert_eq!(refused_code(early), "TRADE_STATE_ERROR");

    m.sandbox.pay("LIFE-1").unwrap();
    let paid = m.query("LIFE-1").await;
    assert_eq!(paid.trade_state, Some(TradeState::Success));
    assert_eq!(paid.total_fee, Some(Fen::new(1000)));
    assert!(paid.time_end.is_some());
    // The signed answer carries the payment, to apply once where its notifications
    // never arrived.
    let payment = paid.payment().expect("a paid order's payment");
    assert_eq!(
        (payment.key, payment.order.as_str(), payment.amount),
        (
            paywire::ledger::OrderKey::new(swiftpass::GATEWAY, "LIFE-1"),
            "LIFE-1",
            Fen::new(1000)
        )
    );
    assert_eq!(payment.gateway_order, paid.transaction_id);
    assert!(payment.gateway_order.is_some());

    // A paid order is refunded, not closed.
    let close = TradeClose {
        version: None,
        charset: None,
        sign_type: None,
        mch_id: m.mch_id.clone(),
        out_trade_no: "LIFE-1".into(),
        nonce_str: "n0nce".into(),
    };
    let closing: Result<TradeCloseAnswer, _> = m.call(&close).await;
    assert_eq!(refused_code(closing), "ORDERPAID");

    assert_eq!(
        m.refund_once(&ledger, "LIFE-1", "R-1", 1000, 300).await,
        None
    );
    let after_one = m.refunds("LIFE-1").await;
    assert_eq!(after_one.refund_count, Some(1));
    assert_eq!(after_one.refunded(), Some(300));
    let refunded = m.query("LIFE-1").await;
    assert_eq!(refunded.trade_state, Some(TradeState::Refund));
    assert_eq!(
        refunded.payment().map(|p| p.amount),
        Some(Fen::new(1000)),
        "refunded in part, the order was paid in full"
    );

    // The same refund again: the ledger says done, and the gateway, sent it anyway
    // under the same number, refunds nothing more.
    assert_eq!(
        m.refund_once(&ledger, "LIFE-1", "R-1", 1000, 300).await,
        Some("Done".into())
    );
    let again: TradeRefundAnswer = m.call(&m.refund("LIFE-1", "R-1", 1000, 300)).await.unwrap();
    assert_eq!(again.refund_fee, Some(Fen::new(300)));
    assert_eq!(m.refunds("LIFE-1").await.refunded(), Some(300));

    // The rest, then nothing more: the ledger never sends it, and the gateway refuses it.
    assert_eq!(
        m.refund_once(&ledger, "LIFE-1", "R-2", 1000, 700).await,
        None
    );
    let all = m.refunds("LIFE-1").await;
    assert_eq!(all.refund_count, Some(2));
    assert_eq!(all.refunded(), Some(1000));
    let numbers: Vec<&str> = all
        .refunds
        .iter()
        .map(|r| r.out_refund_no.as_str())
        .collect();
    assert_eq!(numbers, ["R-1", "R-2"]);
    let over = m
        .refund_once(&ledger, "LIFE-1", "R-3", 1000, 1)
        .await
        .unwrap();
    assert!(over.starts_with("AbovePaid"), "{over}");
    let sent_anyway: Result<TradeRefundAnswer, _> =
        m.call(&m.refund("LIFE-1", "R-3", 1000, 1)).await;
    assert_eq!(refused_code(sent_anyway), "REFUND_FEE_INVALID");
    assert_eq!(m.refunds("LIFE-1").await.refunded(), Some(1000));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_closed_order_is_never_paid() {
    let m = Merchant::start().await;
    m.place("LIFE-2", 500).await;
    let close = TradeClose {
        version: None,
        charset: None,
        sign_type: None,
        mch_id: m.mch_id.clone(),
        out_trade_no: "LIFE-2".into(),
        nonce_str: "n0nce".into(),
    };
    let closed: TradeCloseAnswer = m.call(&close).await.unwrap();
    assert_eq!(closed.result_code, "0");
    assert_eq!(
        m.query("LIFE-2").await.trade_state,
        Some(TradeState::Closed)
    );
    assert_eq!(
        m.sandbox.pay("LIFE-2").unwrap_err(),
        PayError::Closed("LIFE-2".into())
    );
    assert_eq!(
        m.query("LIFE-2").await.trade_state,
        Some(TradeState::Closed)
    );
    // No refunds of an order that was never paid, and none to query.
    let refund: Result<TradeRefundAnswer, _> = m.call(&m.refund("LIFE-2", "R-9", 500, 1)).await;
    assert_eq!(refused_code(refund), "TRADE_STATE_ERROR");
    let query = RefundQuery {
        version: None,
        charset: None,
        sign_type: None,
        mch_id: m.mch_id.clone(),
        refund_id: None,
        out_refund_no: Some("R-9".into()),
        transaction_id: None,
        out_trade_no: None,
        nonce_str: "n0nce".into(),
    };
    let none: Result<RefundQueryAnswer, _> = m.call(&query).await;
    assert_eq!(refused_code(none), "REFUNDNOTEXIST");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_order_is_a_verified_refusal() {
    let m = Merchant::start().await;
    let query = TradeQuery {
        version: None,
        charset: None,
        sign_type: None,
        mch_id: m.mch_id.clone(),
        out_trade_no: Some("NO-SUCH-ORDER".into()),
        transaction_id: None,
        nonce_str: "n0nce".into(),
    };
    let answer: Result<TradeQueryAnswer, _> = m.call(&query).await;
    assert_eq!(refused_code(answer), "ORDERNOTEXIST");
    // A wrong key is the gateway's unsigned refusal, never a verified answer.
    let wrong =
        swiftpass::lifecycle_request(&m.url(), &query, &SignTypeKey::Md5(Secret::new("wrong")))
            .unwrap();
    let answer = m.client.send(wrong).await.unwrap();
    match swiftpass::read_answer::<TradeQueryAnswer>(answer.body(), &VerifyKey::Md5(m.key.clone()))
    {
        Err(SwiftpassError::Status { message, .. }) => {
            assert_eq!(message.as_deref(), Some("签名错误"))
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_payment_is_payerror_and_can_no_longer_be_paid() {
    let m = Merchant::start().await;
    m.place("LIFE-3", 800).await;
    m.sandbox.fail("LIFE-3").unwrap();
    assert_eq!(
        m.query("LIFE-3").await.trade_state,
        Some(TradeState::PayError)
    );
    assert_eq!(
        m.sandbox.pay("LIFE-3").unwrap_err(),
        PayError::Failed("LIFE-3".into())
    );
    // Nothing to refund; and a paid order's payment cannot fail afterwards.
    let refund: Result<TradeRefundAnswer, _> = m.call(&m.refund("LIFE-3", "R-F", 800, 1)).await;
    assert_eq!(refused_code(refund), "TRADE_STATE_ERROR");
    m.place("LIFE-4", 800).await;
    m.sandbox.pay("LIFE-4").unwrap();
    assert_eq!(
        m.sandbox.fail("LIFE-4").unwrap_err(),
        PayError::Paid("LIFE-4".into())
    );
    assert_eq!(
        m.query("LIFE-4").await.trade_state,
        Some(TradeState::Success)
    );
}

/// The same lifecycle requests under RSA_1_256, chosen at run time by `sign_type` and the
/// key: the sandbox checks them with the merchant's public key and answers signed with the
/// platform's key, which the merchant checks; an MD5 key for an answer signed RSA_1_256
/// is refused (no downgrade), and an RSA key for a request naming MD5 signs nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lifecycle_requests_sign_under_rsa_1_256_at_run_time() {
    use paywire::keys::{MerchantKey, PublicKey};
    let m = Merchant::start().await;
    m.place("RSA-1", 1000).await;
    m.sandbox.pay("RSA-1").unwrap();
    let private = MerchantKey::from_pem(paywire_sandbox::keys::MERCHANT_PRIVATE_KEY_PEM).unwrap();
    let (_, platform) =
        PublicKey::from_certificate_pem(paywire_sandbox::keys::PLATFORM_CERTIFICATE_PEM).unwrap();
    let query = |sign_type: &str| TradeQuery {
        version: None,
        charset: None,
        sign_type: Some(sign_type.into()),
        mch_id: m.mch_id.clone(),
        out_trade_no: Some("RSA-1".into()),
        transaction_id: None,
        nonce_str: "n0nce".into(),
    };
    let key = SignTypeKey::Rsa(private);
    let http = swiftpass::lifecycle_request(&m.url(), &query("RSA_1_256"), &key).unwrap();
    assert!(String::from_utf8_lossy(http.body()).contains("<sign_type>RSA_1_256</sign_type>"));
    let answer = m.client.send(http).await.unwrap();
    let verified =
        swiftpass::read_answer::<TradeQueryAnswer>(answer.body(), &VerifyKey::Rsa(platform))
            .unwrap();
    assert_eq!(verified.value.trade_state, Some(TradeState::Success));
    // The same answer is not accepted as MD5: the merchant's configuration decides.
    let as_md5 =
        swiftpass::read_answer::<TradeQueryAnswer>(answer.body(), &VerifyKey::Md5(m.key.clone()));
    assert!(as_md5.is_err(), "{as_md5:?}");
    // An RSA key under a request that names MD5 is refused before signing.
    match swiftpass::lifecycle_request(&m.url(), &query("MD5"), &key) {
        Err(paywire::Error::Sign(reason)) => assert!(reason.contains("RSA_1_256"), "{reason}"),
        other => panic!("{other:?}"),
    }
}
