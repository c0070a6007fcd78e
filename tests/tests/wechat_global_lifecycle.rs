//! WeChat Pay Global after the order, over HTTP against the sandbox: query (NOTPAY, then
//! SUCCESS), a partial refund whose notification arrives signed and encrypted and is
//! checked against the merchant's refund, the refund query, a refund past what is left
//! refused, a paid order not closable, and an unpaid one closed (204, signed) for good.
//! Every answer is verified against the platform certificate.

use paywire::client::Client;
use paywire::keys::MerchantKey;
use paywire::{Fen, Secret};
use paywire_providers::wechat::v3::{MerchantSigner, PlatformKeys};
use paywire_providers::wechat_global::{
    self as wg, CloseOrder, QueryOrder, QueryRefund, RefundAmount, RefundRequest, RefundStatus,
    WechatGlobalError,
};
use paywire_sandbox::state::unix_now;
use paywire_sandbox::{Gateway, Sandbox, SandboxConfig};
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::Mutex;

struct Shop {
    sandbox: Sandbox,
    client: Client,
    signer: MerchantSigner,
    keys: PlatformKeys,
    apiv3: Secret,
    mchid: String,
}

impl Shop {
    async fn start() -> Shop {
        Shop::start_with(SandboxConfig::default()).await
    }

    /// [`Shop::start`] with the sandbox configured as `config`.
    async fn start_with(config: SandboxConfig) -> Shop {
        let sandbox = Sandbox::start(config, "127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();
        let config = sandbox.config().wechat_global.clone();
        let key = MerchantKey::from_pem(paywire_sandbox::keys::MERCHANT_PRIVATE_KEY_PEM).unwrap();
        let mut keys = PlatformKeys::new();
        keys.add_certificate_pem(&config.platform_certificate_pem)
            .unwrap();
        Shop {
            client: Client::new().unwrap(),
            signer: MerchantSigner::new(&config.mchid, &config.merchant_serial, key),
            keys,
            apiv3: Secret::new(config.apiv3_key.as_str()),
            mchid: config.mchid,
            sandbox,
        }
    }

    fn base(&self) -> String {
        self.sandbox.base_url(Gateway::WECHAT_GLOBAL)
    }

    async fn send(&self, request: http::Request<Vec<u8>>) -> http::Response<Vec<u8>> {
        self.client.send(request).await.unwrap()
    }

    async fn place(&self, number: &str) -> (Fen, String) {
        let mut order = wg::sample_direct();
        order.notify_url = "http://127.0.0.1:9/notify".into();
        order.mchid = Some(self.mchid.clone());
        order.out_trade_no = number.into();
        let request = wg::request(&self.base(), &order, &self.signer, unix_now(), number).unwrap();
        let answer = self.send(request).await;
        assert_eq!(
            answer.status(),
            200,
            "{}",
            String::from_utf8_lossy(answer.body())
        );
        (Fen::new(order.amount.total), order.amount.currency)
    }

    async fn query(&self, number: &str) -> wg::Transaction {
        let query = QueryOrder {
            out_trade_no: number.into(),
            mchid: Some(self.mchid.clone()),
            sp_mchid: None,
            sub_mchid: None,
        };
        let request =
            wg::query_request(&self.base(), &query, &self.signer, unix_now(), "q").unwrap();
        wg::read_query_answer(&self.keys, &self.send(request).await, unix_now()).unwrap()
    }

    async fn refund(
        &self,
        number: &str,
        refund_no: &str,
        total: Fen,
        amount: Fen,
        currency: &str,
        notify_url: Option<String>,
    ) -> Result<wg::RefundAnswer, WechatGlobalError> {
        let refund = RefundRequest {
            mchid: Some(self.mchid.clone()),
            sp_mchid: None,
            sub_mchid: None,
            transaction_id: None,
            out_trade_no: Some(number.into()),
            out_refund_no: refund_no.into(),
            reason: None,
            notify_url,
            amount: RefundAmount {
                refund: amount,
                total,
                currency: currency.into(),
            },
        };
        let request =
            wg::refund_request(&self.base(), &refund, &self.signer, unix_now(), refund_no).unwrap();
        wg::read_refund_answer(&self.keys, &self.send(request).await, unix_now())
    }

    /// The refund `refund_no` as the refund query answers it, verified.
    async fn refund_query(&self, refund_no: &str) -> wg::RefundAnswer {
        let query = QueryRefund {
            out_refund_no: refund_no.into(),
            mchid: Some(self.mchid.clone()),
            sp_mchid: None,
            sub_mchid: None,
        };
        let request =
            wg::refund_query_request(&self.base(), &query, &self.signer, unix_now(), "rq").unwrap();
        wg::read_refund_answer(&self.keys, &self.send(request).await, unix_now()).unwrap()
    }

    /// Ends refund `refund_no` held at the sandbox (`succeed`, `close`): the status of the
    /// sandbox's answer.
    async fn end_refund(&self, refund_no: &str, end: &str) -> u16 {
        let url = format!(
            "{}/_sandbox/wechat-global/refunds/{refund_no}/{end}",
            self.sandbox.url()
        );
        let request = http::Request::post(url).body(Vec::new()).unwrap();
        self.send(request).await.status().as_u16()
    }

    async fn close(&self, number: &str) -> Result<(), WechatGlobalError> {
        let close = CloseOrder {
            out_trade_no: number.into(),
            mchid: Some(self.mchid.clone()),
            sp_mchid: None,
            sub_mchid: None,
        };
        let request =
            wg::close_request(&self.base(), &close, &self.signer, unix_now(), "c").unwrap();
        let answer = self.send(request).await;
        wg::read_close_answer(&self.keys, &answer, unix_now())
    }
}

/// The gateway's verified refusal with `code`, and nothing else.
fn assert_refused<T: std::fmt::Debug>(result: Result<T, WechatGlobalError>, code: &str) {
    match result {
        Err(WechatGlobalError::Refused {
            answer, verified, ..
        }) => {
            assert!(verified);
            assert_eq!(answer.code.as_str(), code);
        }
        other => panic!("{other:?}"),
    }
}

/// A loopback listener that keeps the first notification it receives (headers and body)
/// and acknowledges it with HTTP 200.
async fn notification_listener() -> (String, Arc<Mutex<Option<(http::HeaderMap, Vec<u8>)>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://127.0.0.1:{}/refund-notify",
        listener.local_addr().unwrap().port()
    );
    let kept = Arc::new(Mutex::new(None));
    let keeping = kept.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let mut raw = Vec::new();
            let mut buf = [0u8; 4096];
            // Headers, then as many body bytes as content-length says.
            let (head, length) = loop {
                let Ok(n) = socket.read(&mut buf).await else {
                    break (String::new(), 0);
                };
                if n == 0 {
                    break (String::new(), 0);
                }
                raw.extend_from_slice(&buf[..n]);
                if let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
                    let head = String::from_utf8_lossy(&raw[..end]).into_owned();
                    let length = head
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                        })
                        .unwrap_or(0);
                    raw.drain(..end + 4);
                    break (head, length);
                }
            };
            while raw.len() < length {
                let Ok(n) = socket.read(&mut buf).await else {
                    break;
                };
                if n == 0 {
                    break;
                }
                raw.extend_from_slice(&buf[..n]);
            }
            let mut headers = http::HeaderMap::new();
            for line in head.lines().skip(1) {
                if let Some((name, value)) = line.split_once(':') {
                    if let (Ok(name), Ok(value)) = (
                        http::HeaderName::from_bytes(name.trim().as_bytes()),
                        http::HeaderValue::from_str(value.trim()),
                    ) {
                        headers.append(name, value);
                    }
                }
            }
            keeping.lock().await.get_or_insert((headers, raw));
            let _ = socket
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                .await;
        }
    });
    (url, kept)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn query_refund_with_its_notification_refund_query_and_close() {
    let shop = Shop::start().await;
    let (total, currency) = shop.place("WGLIFE1").await;
    assert_eq!(shop.query("WGLIFE1").await.trade_state, "NOTPAY");
    shop.sandbox.pay("WGLIFE1").unwrap();
    let paid = shop.query("WGLIFE1").await;
    assert!(paid.is_paid(), "{paid:?}");
    assert_eq!(paid.amount.as_ref().unwrap().total, total);
    // The signed answer carries the payment, checked as a notification's is (currency
    // included), to apply once where no notification got through.
    let payment = paid.payment().expect("a paid order's payment");
    assert_eq!(
        (
            payment.key.to_string(),
            payment.amount,
            payment.currency.as_deref()
        ),
        (
            paywire::ledger::OrderKey::new(wg::GATEWAY, "WGLIFE1").to_string(),
            total,
            Some(currency.as_str())
        )
    );
    assert_eq!(
        payment.gateway_order.as_deref(),
        Some(paid.transaction_id.as_str())
    );
    let placed = |currency| paywire::ledger::Expected {
        amount: total,
        currency: Some(currency),
        gateway_order: None,
    };
    payment.check(&placed(&currency)).unwrap();
    assert!(payment.check(&placed("USD")).is_err(), "another currency");

    // A paid order is refunded, not closed.
    assert_refused(shop.close("WGLIFE1").await, "ORDERPAID");

    let part = Fen::new(total.get() / 2);
    let (url, kept) = notification_listener().await;
    let answer = shop
        .refund("WGLIFE1", "WGR1", total, part, &currency, Some(url))
        .await
        .unwrap();
    assert_eq!(answer.out_refund_no, "WGR1");
    assert_eq!(answer.status, Some(RefundStatus::Processing));
    assert_eq!(answer.amount.refund, part);

    // The refund notification: verified and decrypted, checked against the refund.
    let mut waited = 0;
    let (headers, body) = loop {
        if let Some(got) = kept.lock().await.clone() {
            break got;
        }
        waited += 1;
        assert!(waited < 200, "no refund notification within 10 s");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    let (opened, notice) =
        wg::open_refund_notification(&shop.keys, &headers, &body, unix_now(), &shop.apiv3).unwrap();
    assert_eq!(opened.notification.event_type, "REFUND.SUCCESS");
    assert!(notice.is_success());
    notice.matches("WGLIFE1", "WGR1", part, &currency).unwrap();
    assert!(notice
        .matches("WGLIFE1", "WGR1", Fen::new(part.get() + 1), &currency)
        .is_err());
    // Tampered in transit, it fails.
    let mut tampered = body.clone();
    let at = tampered.len() / 2;
    tampered[at] ^= 1;
    assert!(
        wg::open_refund_notification(&shop.keys, &headers, &tampered, unix_now(), &shop.apiv3)
            .is_err()
    );

    let query = QueryRefund {
        out_refund_no: "WGR1".into(),
        mchid: Some(shop.mchid.clone()),
        sp_mchid: None,
        sub_mchid: None,
    };
    let request =
        wg::refund_query_request(&shop.base(), &query, &shop.signer, unix_now(), "rq").unwrap();
    let queried =
        wg::read_refund_answer(&shop.keys, &shop.send(request).await, unix_now()).unwrap();
    assert_eq!(queried.status, Some(RefundStatus::Success));
    let refunded = shop.query("WGLIFE1").await;
    assert_eq!(refunded.trade_state, "REFUND");
    assert_eq!(
        refunded.payment().map(|p| p.amount),
        Some(total),
        "refunded in part, the order was paid in full"
    );
    assert_eq!(queried.amount.refund, part);
    assert_eq!(shop.query("WGLIFE1").await.trade_state, "REFUND");

    // More than is left: refused, verified.
    let left = total.get() - part.get();
    assert_refused(
        shop.refund(
            "WGLIFE1",
            "WGR2",
            total,
            Fen::new(left + 1),
            &currency,
            None,
        )
        .await,
        "NOT_ENOUGH",
    );
    // The same refund number again is the same refund.
    let again = shop
        .refund("WGLIFE1", "WGR1", total, part, &currency, None)
        .await
        .unwrap();
    assert_eq!(again.id, answer.id);
    let order = shop
        .sandbox
        .orders_numbered("WGLIFE1", Some(Gateway::WECHAT_GLOBAL));
    assert_eq!(order[0].refunds.len(), 1);

    // An unpaid order closes (204, signed) and is never paid.
    shop.place("WGLIFE2").await;
    shop.close("WGLIFE2").await.unwrap();
    assert_eq!(shop.query("WGLIFE2").await.trade_state, "CLOSED");
    assert!(shop.sandbox.pay("WGLIFE2").is_err());
}

#[test]
fn a_refund_above_the_total_or_naming_the_order_twice_is_refused_before_sending() {
    let refund = RefundRequest {
        mchid: Some("10000100".into()),
        sp_mchid: None,
        sub_mchid: None,
        transaction_id: Some("4200000000000000000000000001".into()),
        out_trade_no: Some("ORDER1".into()),
        out_refund_no: "R1".into(),
        reason: None,
        notify_url: None,
        amount: RefundAmount {
            refund: Fen::new(101),
            total: Fen::new(100),
            currency: "HKD".into(),
        },
    };
    let errors = paywire::PayRequest::validate(&refund)
        .unwrap_err()
        .to_string();
    assert!(errors.contains("#/amount/refund"), "{errors}");
    assert!(
        errors.contains("exactly one of transaction_id and out_trade_no"),
        "{errors}"
    );
}

/// The registry's side: `wechat-global/refund-notify` verifies the notification, and a
/// lost refund answer resolves, by the refund query, to refunded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_refund_answer_resolves_to_refunded_and_the_notification_verifies_as_a_kind() {
    use paywire_providers::registry::{Credentials, Resolution, SignOptions, VerifyOptions};
    let mut config = SandboxConfig::default();
    config.faults.lost_answers = 2; // the order's answer and the refund's
    let sandbox = Sandbox::start(config, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let c = sandbox.config().wechat_global.clone();
    let credentials = Credentials {
        merchant_id: Some(c.mchid.clone()),
        serial: Some(c.merchant_serial.clone()),
        private_key: Some(
            MerchantKey::from_pem(paywire_sandbox::keys::MERCHANT_PRIVATE_KEY_PEM).unwrap(),
        ),
        platform_cert_pem: Some(c.platform_certificate_pem.clone()),
        apiv3_key: Some(Secret::new(c.apiv3_key.as_str())),
        ..Credentials::default()
    };
    let sign = SignOptions {
        credentials: credentials.clone(),
        ..SignOptions::default()
    };
    let verify = VerifyOptions {
        credentials,
        headers: Default::default(),
        now: None,
    };
    let client = Client::new().unwrap();
    let base = sandbox.base_url(Gateway::WECHAT_GLOBAL);
    let registry = &paywire_providers::GATEWAYS;

    // The order, its answer lost: resolved as placed and not paid.
    let mut order = wg::sample_direct();
    order.mchid = Some(c.mchid.clone());
    order.out_trade_no = "WGLOST1".into();
    order.notify_url = "http://127.0.0.1:9/notify".into();
    let input = serde_json::to_vec(&order).unwrap();
    let jsapi = registry.endpoint("wechat-global/jsapi").unwrap();
    let built = (jsapi.build)(jsapi.name, &base, &input, &sign).unwrap();
    assert!(
        client.send(built.request).await.is_err(),
        "the answer is lost"
    );
    let query = (jsapi.resolve.unwrap())(jsapi.name, &base, &input, &sign).unwrap();
    let answer = client.send(query.request).await.unwrap();
    assert_eq!((query.read)(&answer, &verify), Resolution::NotPaid);

    sandbox.pay("WGLOST1").unwrap();
    let refund = serde_json::json!({"mchid": c.mchid, "out_trade_no": "WGLOST1",
        "out_refund_no": "WGLOST1R1", "amount": {"refund": 1, "total": order.amount.total, "currency": order.amount.currency}});
    let input = refund.to_string().into_bytes();
    let endpoint = registry.endpoint("wechat-global/refund").unwrap();
    let built = (endpoint.build)(endpoint.name, &base, &input, &sign).unwrap();
    assert!(
        client.send(built.request).await.is_err(),
        "the answer is lost"
    );
    let query = (endpoint.resolve.unwrap())(endpoint.name, &base, &input, &sign).unwrap();
    let answer = client.send(query.request).await.unwrap();
    assert_eq!((query.read)(&answer, &verify), Resolution::Refunded);
    // Sent again under the same number, it is the same single refund.
    let built = (endpoint.build)(endpoint.name, &base, &input, &sign).unwrap();
    let answer = client.send(built.request).await.unwrap();
    let outcome = (built.read_answer)(&answer, &verify);
    assert_eq!(outcome.code, 0, "{}", outcome.report);
    assert_eq!(
        sandbox.orders_numbered("WGLOST1", Some(Gateway::WECHAT_GLOBAL))[0]
            .refunds
            .len(),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refund_notify_is_a_verify_kind() {
    use paywire_providers::registry::{Credentials, VerifyOptions};
    let shop = Shop::start().await;
    let (total, currency) = shop.place("WGKIND1").await;
    shop.sandbox.pay("WGKIND1").unwrap();
    let (url, kept) = notification_listener().await;
    shop.refund(
        "WGKIND1",
        "WGKINDR1",
        total,
        Fen::new(1),
        &currency,
        Some(url),
    )
    .await
    .unwrap();
    let (headers, body) = loop {
        if let Some(got) = kept.lock().await.clone() {
            break got;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    let c = shop.sandbox.config().wechat_global.clone();
    let options = VerifyOptions {
        credentials: Credentials {
            platform_cert_pem: Some(c.platform_certificate_pem.clone()),
            apiv3_key: Some(Secret::new(c.apiv3_key.as_str())),
            ..Credentials::default()
        },
        headers,
        now: None,
    };
    let message = paywire_providers::GATEWAYS
        .message("wechat-global/refund-notify")
        .unwrap();
    let outcome = (message.verify)(&body, &options);
    assert_eq!(outcome.code, 0, "{}", outcome.report);
    assert_eq!(outcome.report["fields"]["out_refund_no"], "WGKINDR1");
    assert_eq!(outcome.report["fields"]["amount"]["refund"], 1);
    // The payment kind does not accept it as a payment.
    let payment = paywire_providers::GATEWAYS
        .message("wechat-global/notify")
        .unwrap();
    assert_ne!((payment.verify)(&body, &options).code, 0);
}

/// The query by WeChat Pay's own id (`GET /v3/global/transactions/id/{transaction_id}`):
/// the paid order's id, from the query by the merchant's number, finds the same order,
/// verified; an id the gateway never gave is its signed ORDER_NOT_EXIST.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paid_order_is_found_by_wechat_pay_s_id() {
    let shop = Shop::start().await;
    shop.place("WGID1").await;
    shop.sandbox.pay("WGID1").unwrap();
    let paid = shop.query("WGID1").await;
    let by_id = |transaction_id: &str| wg::QueryOrderById {
        transaction_id: transaction_id.into(),
        mchid: Some(shop.mchid.clone()),
        sp_mchid: None,
        sub_mchid: None,
    };
    let request = wg::query_by_id_request(
        &shop.base(),
        &by_id(&paid.transaction_id),
        &shop.signer,
        unix_now(),
        "qid",
    )
    .unwrap();
    assert!(
        request.uri().path().ends_with(&format!(
            "/v3/global/transactions/id/{}",
            paid.transaction_id
        )),
        "{}",
        request.uri()
    );
    let found = wg::read_query_answer(&shop.keys, &shop.send(request).await, unix_now()).unwrap();
    assert_eq!(found, paid);

    let request = wg::query_by_id_request(
        &shop.base(),
        &by_id("4200000000000000000000000000"),
        &shop.signer,
        unix_now(),
        "qid2",
    )
    .unwrap();
    assert_refused(
        wg::read_query_answer(&shop.keys, &shop.send(request).await, unix_now()),
        "ORDER_NOT_EXIST",
    );
}

/// Every refund of an order (`GET /v3/global/refunds?out_trade_no=`): two partial refunds
/// listed, verified, adding up to what was refunded; an order the gateway does not know
/// is its signed ORDER_NOT_EXIST.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_s_refunds_are_listed_and_add_up() {
    let shop = Shop::start().await;
    let (total, currency) = shop.place("WGLIST1").await;
    shop.sandbox.pay("WGLIST1").unwrap();
    let (first, second) = (Fen::new(3), Fen::new(4));
    for (number, amount) in [("WGL-R1", first), ("WGL-R2", second)] {
        shop.refund("WGLIST1", number, total, amount, &currency, None)
            .await
            .unwrap();
    }
    let list = |number: &str| wg::QueryRefunds {
        out_trade_no: number.into(),
        mchid: Some(shop.mchid.clone()),
        sp_mchid: None,
        sub_mchid: None,
    };
    let request = wg::refunds_request(
        &shop.base(),
        &list("WGLIST1"),
        &shop.signer,
        unix_now(),
        "l1",
    )
    .unwrap();
    assert!(request
        .uri()
        .query()
        .unwrap()
        .contains("out_trade_no=WGLIST1"));
    let refunds =
        wg::read_refunds_answer(&shop.keys, &shop.send(request).await, unix_now()).unwrap();
    let numbers: Vec<&str> = refunds
        .data
        .iter()
        .map(|r| r.out_refund_no.as_str())
        .collect();
    assert_eq!(numbers, ["WGL-R1", "WGL-R2"]);
    assert_eq!(refunds.refunded(), Fen::new(first.get() + second.get()));

    let request = wg::refunds_request(
        &shop.base(),
        &list("WGNONE"),
        &shop.signer,
        unix_now(),
        "l2",
    )
    .unwrap();
    assert_refused(
        wg::read_refunds_answer(&shop.keys, &shop.send(request).await, unix_now()),
        "ORDER_NOT_EXIST",
    );
}

#[tokio::test]
async fn a_held_refund_is_processing_and_counted_until_the_gateway_closes_or_completes_it() {
    let config = SandboxConfig {
        hold_refunds: true,
        ..SandboxConfig::default()
    };
    let shop = Shop::start_with(config).await;
    let (total, currency) = shop.place("WGHOLD1").await;
    shop.sandbox.pay("WGHOLD1").unwrap();
    let refund = |number: &'static str, fen: u64| {
        shop.refund("WGHOLD1", number, total, Fen::new(fen), &currency, None)
    };
    let taken = refund("WGH-R1", total.get() - 1).await.unwrap();
    assert_eq!(taken.status, Some(RefundStatus::Processing));
    let queried = shop.refund_query("WGH-R1").await;
    assert_eq!(queried.status, Some(RefundStatus::Processing));
    assert_eq!(queried.success_time, None);
    // In progress, it takes its room: the rest and one more do not fit.
    assert_refused(refund("WGH-R2", 2).await, "NOT_ENOUGH");

    // Closed: no money went back, its room is free again; ended once only.
    assert_eq!(shop.end_refund("WGH-R1", "close").await, 200);
    assert_eq!(shop.end_refund("WGH-R1", "succeed").await, 409);
    assert_eq!(
        shop.refund_query("WGH-R1").await.status,
        Some(RefundStatus::Closed)
    );
    assert_eq!(shop.query("WGHOLD1").await.trade_state, "SUCCESS");
    let whole = refund("WGH-R2", total.get()).await.unwrap();
    assert_eq!(whole.status, Some(RefundStatus::Processing));
    assert_eq!(shop.query("WGHOLD1").await.trade_state, "REFUND");
    assert_eq!(shop.end_refund("WGH-R2", "succeed").await, 200);
    let done = shop.refund_query("WGH-R2").await;
    assert_eq!(done.status, Some(RefundStatus::Success));
    assert!(done.success_time.is_some());
    assert_refused(refund("WGH-R3", 1).await, "NOT_ENOUGH");
    // Nothing held under another number or end.
    assert_eq!(shop.end_refund("WGH-NONE", "close").await, 404);
    assert_eq!(shop.end_refund("WGH-R2", "reopen").await, 404);
}
