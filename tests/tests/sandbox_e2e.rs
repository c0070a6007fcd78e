//! End to end over loopback: the sandbox (a real HTTP server), a merchant notify endpoint
//! and paywire's HTTP client. All five gateways succeed; each documented error comes back typed;
//! notifications are retried until acknowledged and applied once.

use http::header::AUTHORIZATION;
use paywire::keys::MerchantKey;
use paywire::{Fen, PayRequest, Secret, Yuan};
use paywire_cli::demo::{send, Demo};
use paywire_providers::wechat::v3::{MerchantSigner, PlatformKeys};
use paywire_providers::{feat, swiftpass, wechat_global, weidoufu, xorpay};
use paywire_sandbox::state::unix_now;
use paywire_sandbox::{Gateway, Sandbox, SandboxConfig};

/// A POST with hand-set headers and body, around paywire's own encoding and checks.
async fn raw(
    client: &paywire::client::Client,
    url: &str,
    headers: &[(&str, &str)],
    body: Vec<u8>,
) -> paywire_cli::demo::Reply {
    let mut request = http::Request::post(url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    send(client, request.body(body).unwrap()).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn all_five_gateways_pass_end_to_end() {
    let demo = Demo::start(0).await.unwrap();
    let rows = demo.run_all(&mut std::io::sink()).await;
    for row in &rows {
        assert!(row.passed(), "{row:?}");
    }
    assert_eq!(rows.len(), 5);
    let applied = demo.merchant.applied();
    assert_eq!(
        applied.len(),
        4,
        "featapi documents no notification: {applied:?}"
    );
    assert!(demo.merchant.refused().is_empty());
    // The life after the order, where a gateway declares it: SwiftPass, WeChat Pay Global
    // and XorPay.
    for row in &rows {
        let declared = paywire_providers::GATEWAYS
            .gateway(row.gateway.name())
            .unwrap()
            .lifecycle
            .is_some();
        assert_eq!(row.after.is_some(), declared, "{row:?}");
    }
    let after = |gateway: Gateway| {
        rows.iter()
            .find(|r| r.gateway == gateway)
            .and_then(|r| r.after.clone())
            .unwrap()
            .unwrap()
    };
    let swiftpass = after(Gateway::SWIFTPASS);
    for step in [
        "query: paid",
        "refund query",
        "further refund refused",
        "unpaid order closed",
    ] {
        assert!(swiftpass.contains(step), "{swiftpass}");
    }
    assert!(after(Gateway::XORPAY).contains("further refund refused"));
    // Where the query's answer is signed, its payment goes through the notifications'
    // own step, as a merchant recovers a payment whose notifications never got through:
    // written once. XorPay's query is unsigned: no payment to recover from it.
    for gateway in [Gateway::SWIFTPASS, Gateway::WECHAT_GLOBAL] {
        let steps = after(gateway);
        assert!(
            steps.contains("query: paid (its signed payment recovered: written once)"),
            "{steps}"
        );
    }
    // Every notifying gateway's notification sent again, three copies at once, each
    // acknowledged (the sandbox's record) and none written again.
    for gateway in [
        Gateway::WEIDOUFU,
        Gateway::SWIFTPASS,
        Gateway::WECHAT_GLOBAL,
        Gateway::XORPAY,
    ] {
        let steps = after(gateway);
        assert!(
            steps.contains("notified again (3 copies at once): not written again"),
            "{steps}"
        );
        let order = demo
            .sandbox
            .orders()
            .into_iter()
            .find(|o| o.gateway == gateway && o.paid && o.notify_url.is_some())
            .unwrap();
        let acknowledged = order.deliveries.iter().filter(|d| d.acknowledged).count();
        assert!(
            acknowledged >= 4,
            "the first delivery and 3 copies: {order:?}"
        );
    }
    let xorpay = after(Gateway::XORPAY);
    assert!(
        xorpay.contains("query: paid") && !xorpay.contains("recovered"),
        "{xorpay}"
    );
    assert_eq!(demo.merchant.applied_twice(), 0);
    let global = after(Gateway::WECHAT_GLOBAL);
    for step in [
        "query: paid",
        "then the other",
        "closed by the gateway and taken back from the books, then made again",
        "refund notifications: 2 received, each written once",
        "further refund refused",
        "unpaid order closed",
    ] {
        assert!(global.contains(step), "{global}");
    }
    // What the sandbox holds: every refund once, those not closed adding up to what was
    // paid, never more.
    for order in demo.sandbox.orders() {
        let refunded: u64 = order
            .refunds
            .iter()
            .filter(|r| r.status != paywire_sandbox::lifecycle::RefundStatus::Closed)
            .map(|r| r.amount_fen)
            .sum();
        assert!(refunded <= order.amount_fen, "{order:?}");
        if order.refunds.is_empty() {
            continue;
        }
        assert_eq!(refunded, order.amount_fen, "{order:?}");
    }
    let closed = demo
        .sandbox
        .orders()
        .into_iter()
        .filter(|o| o.closed)
        .count();
    assert_eq!(
        closed, 2,
        "the demo closes one unpaid SwiftPass and one WeChat Pay Global order"
    );
    let weidoufu = applied
        .iter()
        .find(|a| a.gateway == Gateway::WEIDOUFU)
        .unwrap();
    assert_eq!(
        weidoufu.amount_fen,
        paywire_providers::weidoufu::sample().total_fee.get()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notifications_are_retried_until_acknowledged_and_applied_once() {
    let demo = Demo::start(3).await.unwrap();
    let row = demo.flow(Gateway::SWIFTPASS, &mut std::io::sink()).await;
    assert!(row.passed(), "{row:?}");
    let order = demo
        .sandbox
        .orders()
        .into_iter()
        .find(|o| o.out_trade_no == row.order)
        .unwrap();
    let statuses: Vec<_> = order
        .deliveries
        .iter()
        .map(|d| (d.status, d.acknowledged))
        .collect();
    assert_eq!(
        statuses,
        [
            (Some(500), false),
            (Some(500), false),
            (Some(500), false),
            (Some(200), true)
        ]
    );
    // Paying again does not send it again, and the merchant applied it once.
    demo.pay(Gateway::SWIFTPASS, &row.order).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(
        demo.merchant
            .applied()
            .iter()
            .filter(|a| a.out_trade_no == row.order)
            .count(),
        1
    );
    assert_eq!(
        demo.sandbox
            .orders()
            .into_iter()
            .find(|o| o.out_trade_no == row.order)
            .unwrap()
            .deliveries
            .len(),
        4
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn weidoufu_documented_errors() {
    let demo = Demo::start(0).await.unwrap();
    let config = demo.sandbox.config().clone();
    let base = demo.sandbox.base_url(Gateway::WEIDOUFU);
    let pw = paywire::client::Client::new().unwrap();
    let mut order = paywire_providers::weidoufu::sample();
    // The sandbox delivers to loopback only (nothing listens on port 9).
    order.notify_url = "http://127.0.0.1:9/notify".into();
    order.access_key = config.weidoufu.access_key.clone();
    order.out_order_no = demo.order_number();
    let wrong =
        paywire_providers::weidoufu::request(&base, &order, &Secret::new("sk_wrong")).unwrap();
    let reply = send(&pw, wrong).await.unwrap();
    match weidoufu::read_answer(&reply.body).unwrap_err() {
        weidoufu::WeidoufuError::Refused { message, .. } => assert_eq!(message, "签名错误"),
        other => panic!("{other:?}"),
    }
    // A request paywire would refuse to encode, signed and sent anyway, meets the
    // gateway's own validation.
    let secret = Secret::new(config.weidoufu.secret_key.as_str());
    order.out_order_no = "short".into();
    let mut body = serde_json::to_value(&order).unwrap();
    body["sign"] = order.signature(&secret).into();
    let reply = raw(
        &pw,
        &format!("{base}/pay/miniapp"),
        &[],
        body.to_string().into_bytes(),
    )
    .await;
    match weidoufu::read_answer(&reply.body).unwrap_err() {
        weidoufu::WeidoufuError::Refused { message, .. } => {
            assert!(
                message.starts_with("参数格式校验错误: #/out_order_no: len 18..=32 bytes"),
                "{message}"
            )
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn swiftpass_documented_errors() {
    let demo = Demo::start(0).await.unwrap();
    let config = demo.sandbox.config().clone();
    let base = demo.sandbox.base_url(Gateway::SWIFTPASS);
    let pw = paywire::client::Client::new().unwrap();
    let key = swiftpass::VerifyKey::Md5(Secret::new(config.swiftpass.key.as_str()));
    let mut order = paywire_providers::swiftpass::sample();
    // The sandbox delivers to loopback only (nothing listens on port 9).
    order.notify_url = "http://127.0.0.1:9/notify".into();
    order.mch_id = config.swiftpass.mch_id.clone();
    order.out_trade_no = demo.order_number();
    let reply = send(
        &pw,
        paywire_providers::swiftpass::request(
            &swiftpass::gateway_url(&base),
            &order,
            &Secret::new("wrong"),
        )
        .unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(
        swiftpass::verify_response(&reply.body, &key).unwrap_err(),
        swiftpass::SwiftpassError::Status {
            status: "400".into(),
            message: Some("签名错误".into())
        }
    );
    let good = Secret::new(config.swiftpass.key.as_str());
    let reply = send(
        &pw,
        paywire_providers::swiftpass::request(&swiftpass::gateway_url(&base), &order, &good)
            .unwrap(),
    )
    .await
    .unwrap();
    swiftpass::verify_response(&reply.body, &key).unwrap();
    order.total_fee = Fen::new(2);
    let reply = send(
        &pw,
        paywire_providers::swiftpass::request(&swiftpass::gateway_url(&base), &order, &good)
            .unwrap(),
    )
    .await
    .unwrap();
    match swiftpass::verify_response(&reply.body, &key).unwrap_err() {
        swiftpass::SwiftpassError::Business(response) => {
            assert_eq!(response.err_code.as_deref(), Some("OUT_TRADE_NO_USED"))
        }
        other => panic!("{other:?}"),
    }
}

/// Places a v3 order with the sandbox and reads the verified answer.
async fn place(
    pw: &paywire::client::Client,
    base: &str,
    platform: &PlatformKeys,
    order: &wechat_global::JsapiOrder,
    signer: &MerchantSigner,
    timestamp: i64,
    nonce: &str,
) -> Result<wechat_global::PrepayAnswer, wechat_global::WechatGlobalError> {
    let request =
        paywire_providers::wechat_global::request(base, order, signer, timestamp, nonce).unwrap();
    let reply = send(pw, request).await.unwrap();
    wechat_global::read_answer(
        platform,
        reply.status,
        &reply.headers,
        &reply.body,
        unix_now(),
    )
}

fn signer(config: &SandboxConfig) -> MerchantSigner {
    let key = MerchantKey::from_pem(paywire_sandbox::keys::MERCHANT_PRIVATE_KEY_PEM).unwrap();
    MerchantSigner::new(
        &config.wechat_global.mchid,
        &config.wechat_global.merchant_serial,
        key,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wechat_global_documented_errors() {
    let demo = Demo::start(0).await.unwrap();
    let config = demo.sandbox.config().clone();
    let base = demo.sandbox.base_url(Gateway::WECHAT_GLOBAL);
    let pw = paywire::client::Client::new().unwrap();
    let mut platform = PlatformKeys::new();
    platform
        .add_certificate_pem(&config.wechat_global.platform_certificate_pem)
        .unwrap();
    let mut order = paywire_providers::wechat_global::sample_direct();
    // The sandbox delivers to loopback only (nothing listens on port 9).
    order.notify_url = "http://127.0.0.1:9/notify".into();
    order.mchid = Some(config.wechat_global.mchid.clone());
    order.out_trade_no = demo.order_number();
    let refused = |result: Result<_, wechat_global::WechatGlobalError>| match result {
        Err(wechat_global::WechatGlobalError::Refused {
            status,
            answer,
            verified: true,
        }) => (status, *answer),
        other => panic!("{other:?}"),
    };

    // Signed with a key the sandbox does not know: SIGN_ERROR.
    let stranger = MerchantKey::from_pem(paywire_tests::text(
        &paywire_tests::rsa_fixtures(),
        "/merchant/private_key_pkcs8",
    ))
    .unwrap();
    let wrong = MerchantSigner::new(
        &config.wechat_global.mchid,
        &config.wechat_global.merchant_serial,
        stranger,
    );
    let (status, answer) =
        refused(place(&pw, &base, &platform, &order, &wrong, unix_now(), "n1").await);
    assert_eq!(
        (status, answer.code),
        (401, wechat_global::ErrorCode::SignError)
    );

    // A stale timestamp: SIGN_ERROR too.
    let (status, answer) = refused(
        place(
            &pw,
            &base,
            &platform,
            &order,
            &signer(&config),
            unix_now() - 600,
            "n2",
        )
        .await,
    );
    assert_eq!(
        (status, answer.code),
        (401, wechat_global::ErrorCode::SignError)
    );
    // Timestamps at the ends of i64, signed with the right key: stale, not an overflow.
    for (at, nonce) in [(i64::MIN, "n3"), (i64::MAX, "n4")] {
        let (status, answer) =
            refused(place(&pw, &base, &platform, &order, &signer(&config), at, nonce).await);
        assert_eq!(
            (status, answer.code),
            (401, wechat_global::ErrorCode::SignError),
            "{at}"
        );
    }

    // An invalid field, sent around paywire's own validation: PARAM_ERROR with a JSON pointer.
    let mut invalid = order.clone();
    invalid.detail = Some(wechat_global::Detail {
        cost_price: None,
        receipt_id: None,
        goods_detail: Some(vec![wechat_global::GoodsDetail {
            goods_id: "g".into(),
            wxpay_goods_id: None,
            goods_name: None,
            quantity: 0,
            price: 1,
        }]),
    });
    // Sent around paywire's own validation, signed over the path the real gateway sees.
    let url = format!("{base}{}", wechat_global::PATH);
    let send_unvalidated = |order: wechat_global::JsapiOrder, nonce: &'static str| {
        let (pw, url, platform, signer) = (&pw, &url, &platform, signer(&config));
        async move {
            let body = serde_json::to_vec(&order).unwrap();
            let authorization =
                signer.authorization("POST", wechat_global::PATH, unix_now(), nonce, &body);
            let header = [(AUTHORIZATION.as_str(), authorization.as_str())];
            let reply = raw(pw, url, &header, body).await;
            refused(wechat_global::read_answer(
                platform,
                reply.status,
                &reply.headers,
                &reply.body,
                unix_now(),
            ))
        }
    };
    let (status, answer) = send_unvalidated(invalid, "n3").await;
    assert_eq!(
        (status, answer.code.clone()),
        (400, wechat_global::ErrorCode::ParamError)
    );
    assert_eq!(
        answer.detail.unwrap().field.as_deref(),
        Some("#/detail/goods_detail/0/quantity")
    );

    // A JSAPI order without a payer: the gateway's own PARAM_ERROR, at #/payer.
    let mut payerless = order.clone();
    payerless.out_trade_no = "NOPAYER0001".into();
    payerless.payer = None;
    let (status, answer) = send_unvalidated(payerless, "n3b").await;
    assert_eq!(
        (status, answer.code.clone()),
        (400, wechat_global::ErrorCode::ParamError)
    );
    assert_eq!(answer.detail.unwrap().field.as_deref(), Some("#/payer"));

    // The same out_trade_no with different parameters: OUT_TRADE_NO_USED.
    place(
        &pw,
        &base,
        &platform,
        &order,
        &signer(&config),
        unix_now(),
        "n4",
    )
    .await
    .unwrap();
    order.amount.total = 11;
    let (status, answer) = refused(
        place(
            &pw,
            &base,
            &platform,
            &order,
            &signer(&config),
            unix_now(),
            "n5",
        )
        .await,
    );
    assert_eq!(
        (status, answer.code),
        (400, wechat_global::ErrorCode::OutTradeNoUsed)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn xorpay_documented_errors() {
    let demo = Demo::start(0).await.unwrap();
    let config = demo.sandbox.config().clone();
    let base = demo.sandbox.base_url(Gateway::XORPAY);
    let pw = paywire::client::Client::new().unwrap();
    let secret = Secret::new(config.xorpay.app_secret.as_str());
    let mut order = paywire_providers::xorpay::sample();
    // The sandbox delivers to loopback only (nothing listens on port 9).
    order.notify_url = "http://127.0.0.1:9/notify".into();
    order.aid = config.xorpay.aid.clone();
    order.order_id = demo.order_number();
    let status_of = |body: &[u8]| match xorpay::read_answer(body) {
        Err(xorpay::XorpayError::Status { status }) => status,
        other => panic!("{other:?}"),
    };
    let reply = send(
        &pw,
        paywire_providers::xorpay::request(&base, &order, &Secret::new("wrong")).unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(status_of(&reply.body), xorpay::Status::SignError);
    let reply = send(
        &pw,
        paywire_providers::xorpay::request(&base, &order, &secret).unwrap(),
    )
    .await
    .unwrap();
    xorpay::read_answer(&reply.body).unwrap();
    let reply = send(
        &pw,
        paywire_providers::xorpay::request(&base, &order, &secret).unwrap(),
    )
    .await
    .unwrap();
    xorpay::read_answer(&reply.body).expect("the same request again is the same order");
    order.price = Yuan(Fen::new(1));
    let reply = send(
        &pw,
        paywire_providers::xorpay::request(&base, &order, &secret).unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(status_of(&reply.body), xorpay::Status::OrderExist);
    // Requests paywire would refuse to encode, signed and sent anyway.
    let signed_form = |order: &paywire_providers::xorpay::JsapiPay| {
        let mut form: Vec<(String, String)> = serde_json::to_value(order)
            .unwrap()
            .as_object()
            .unwrap()
            .iter()
            .filter(|(k, _)| *k != "aid")
            .map(|(k, v)| {
                (
                    k.clone(),
                    v.as_str().map_or_else(|| v.to_string(), str::to_owned),
                )
            })
            .collect();
        form.push(("sign".into(), order.signature(&secret)));
        form.iter()
            .map(|(k, v)| format!("{k}={}", paywire::http_request::path_segment(v)))
            .collect::<Vec<_>>()
            .join("&")
    };
    let url = format!("{base}/api/pay/{}", config.xorpay.aid);
    let form_type = [("content-type", "application/x-www-form-urlencoded")];
    let mut no_openid = order.clone();
    no_openid.order_id = demo.order_number();
    no_openid.openid = None;
    let reply = raw(&pw, &url, &form_type, signed_form(&no_openid).into_bytes()).await;
    assert_eq!(status_of(&reply.body), xorpay::Status::MissingArgument);
    let mut wrong_type = no_openid.clone();
    // An unknown type, and `native`, which belongs to another XorPay page.
    for pay_type in ["wechat", "native"] {
        wrong_type.pay_type = pay_type.into();
        let reply = raw(&pw, &url, &form_type, signed_form(&wrong_type).into_bytes()).await;
        assert_eq!(
            status_of(&reply.body),
            xorpay::Status::PayTypeError,
            "{pay_type}"
        );
    }
    order.aid = "unknown".into();
    let reply = send(
        &pw,
        paywire_providers::xorpay::request(&base, &order, &secret).unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(status_of(&reply.body), xorpay::Status::AidNotExist);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn feat_documented_errors_and_token_endpoint() {
    let demo = Demo::start(0).await.unwrap();
    let config = demo.sandbox.config().clone();
    let base = demo.sandbox.base_url(Gateway::FEAT);
    let pw = paywire::client::Client::new().unwrap();
    let order = paywire_providers::feat::sample();
    let reply = send(
        &pw,
        paywire_providers::feat::request(&base, &order, &Secret::new("expired")).unwrap(),
    )
    .await
    .unwrap();
    match feat::read_answer(&order, reply.status, &reply.body).unwrap_err() {
        feat::FeatError::OAuth { status: 401, error } => {
            assert_eq!(error.error, feat::OAuthErrorCode::InvalidToken)
        }
        other => panic!("{other:?}"),
    }
    let token = |form: String| {
        let pw = pw.clone();
        let url = format!("{base}/oauth/token");
        async move {
            let content_type = [("content-type", "application/x-www-form-urlencoded")];
            let reply = raw(&pw, &url, &content_type, form.into_bytes()).await;
            (reply.status, reply.body)
        }
    };
    let creds = format!(
        "client_id={}&client_secret={}",
        config.feat.client_id, config.feat.client_secret
    );
    let (status, body) = token(format!("grant_type=password&username=u&password=p&{creds}")).await;
    let error = feat::read_answer(&order, status, &body).unwrap_err();
    assert!(
        matches!(&error, feat::FeatError::OAuth { status: 400, error } if error.device_id_required()),
        "{error:?}"
    );
    let (status, body) = token(format!(
        "grant_type=client_credentials&scope=pay_trade_order&{creds}"
    ))
    .await;
    assert_eq!(status, 200);
    let issued: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(issued["access_token"], config.feat.access_token.as_str());
    let (status, _) =
        token("grant_type=client_credentials&client_id=x&client_secret=y".into()).await;
    assert_eq!(status, 401);
    let (status, body) = token(format!("grant_type=implicit&{creds}")).await;
    assert_eq!(status, 400);
    assert!(String::from_utf8_lossy(&body).contains("unsupported_grant_type"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cashier_page_lists_orders_with_pay_buttons_and_qr_codes() {
    let demo = Demo::start(0).await.unwrap();
    let row = demo.flow(Gateway::FEAT, &mut std::io::sink()).await;
    assert!(row.passed(), "{row:?}");
    let weidoufu = demo.flow(Gateway::WEIDOUFU, &mut std::io::sink()).await;
    assert!(weidoufu.passed());
    let pw = paywire::client::Client::new().unwrap();
    let request = http::Request::get(format!("{}/", demo.sandbox.url()))
        .body(Vec::new())
        .unwrap();
    let page = String::from_utf8(send(&pw, request).await.unwrap().body).unwrap();
    assert!(
        page.contains(&format!("id=\"order-{}\" data-status=\"paid\"", row.order)),
        "{page}"
    );
    assert!(page.contains("<svg"), "a QR code for the NATIVE code_url");
    assert!(page.contains("1 attempt(s), acknowledged"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sandbox_listens_on_loopback_only() {
    let err = Sandbox::start(SandboxConfig::default(), "0.0.0.0:0".parse().unwrap())
        .await
        .err()
        .unwrap();
    assert!(err.to_string().contains("loopback only"), "{err}");
    let bad = SandboxConfig::from_json(r#"{"wechat_global": {"apiv3_key": "short"}}"#).unwrap_err();
    assert!(bad.to_string().contains("32 bytes"), "{bad}");
    let unknown = SandboxConfig::from_json(r#"{"swiftpass": {"kye": "x"}}"#).unwrap_err();
    assert!(unknown.to_string().contains("unknown field"), "{unknown}");
}

/// What any WeChat Pay v3 client sends, built here from the published rule
/// (`METHOD\nPATH\nTIMESTAMP\nNONCE\nBODY\n`, SHA256withRSA, the header written out by
/// hand) rather than by paywire's request builder: the sandbox at its prefixed base URL
/// accepts a signature over `/v3/...`, the path the real gateway sees, and refuses one
/// over the sandbox's own prefix, which the real gateway never sees.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_v3_client_signing_the_real_gateway_path_is_accepted_at_the_prefixed_base_url() {
    let sandbox = Sandbox::start(SandboxConfig::default(), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let config = sandbox.config().clone();
    let pw = paywire::client::Client::new().unwrap();
    let key = MerchantKey::from_pem(paywire_sandbox::keys::MERCHANT_PRIVATE_KEY_PEM).unwrap();
    let url = format!(
        "{}/v3/global/transactions/jsapi",
        sandbox.base_url(Gateway::WECHAT_GLOBAL)
    );
    assert!(url.contains("/wechat-global/v3/"), "{url}");
    let mut order = paywire_providers::wechat_global::sample_direct();
    order.mchid = Some(config.wechat_global.mchid.clone());
    order.notify_url = "http://127.0.0.1:9/notify".into();
    let mut codes = Vec::new();
    for (n, signed_path) in [
        "/v3/global/transactions/jsapi",
        "/wechat-global/v3/global/transactions/jsapi",
    ]
    .into_iter()
    .enumerate()
    {
        order.out_trade_no = format!("RAWV3{n}");
        let body = serde_json::to_vec(&order).unwrap();
        let (timestamp, nonce) = (unix_now(), format!("RAWNONCE{n}"));
        let message = format!(
            "POST\n{signed_path}\n{timestamp}\n{nonce}\n{}\n",
            std::str::from_utf8(&body).unwrap()
        );
        let signature = key.sign_base64(message.as_bytes());
        let header = format!(
            "WECHATPAY2-SHA256-RSA2048 mchid=\"{}\",nonce_str=\"{nonce}\",timestamp=\"{timestamp}\",serial_no=\"{}\",signature=\"{signature}\"",
            config.wechat_global.mchid, config.wechat_global.merchant_serial
        );
        let reply = raw(
            &pw,
            &url,
            &[
                ("Authorization", header.as_str()),
                ("Content-Type", "application/json"),
            ],
            body,
        )
        .await;
        codes.push(reply.status);
    }
    assert_eq!(
        codes,
        [200, 401],
        "the real path accepted, the sandbox prefix refused"
    );
}
