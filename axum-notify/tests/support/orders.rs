//! Orders placed at the sandbox the way a merchant places them, one per notifying
//! gateway, with what the merchant records of each before its notification arrives.

// Each test file that includes this uses part of it.
#![allow(dead_code)]

use paywire::client::Client;
use paywire::keys::MerchantKey;
use paywire::{Fen, Secret};
use paywire_axum::Order;
use paywire_providers::wechat::v3::MerchantSigner;
use paywire_providers::{swiftpass, wechat_global, weidoufu, xorpay};
use paywire_sandbox::{Gateway, Sandbox};

/// The gateways that notify a payment.
pub const NOTIFYING: [Gateway; 4] = [
    Gateway::SWIFTPASS,
    Gateway::WEIDOUFU,
    Gateway::XORPAY,
    Gateway::WECHAT_GLOBAL,
];

/// An order placed at the sandbox.
#[derive(Debug, Clone)]
pub struct Placed {
    /// Its gateway.
    pub gateway: Gateway,
    /// The merchant's order number.
    pub number: String,
    /// What the merchant records when it places it (XorPay's with the aoid its answer
    /// named, WeChat Pay Global's with its currency).
    pub order: Order,
}

/// The merchant's WeChat Pay v3 signer with the sandbox's throwaway key.
pub fn signer(sandbox: &Sandbox) -> MerchantSigner {
    let config = &sandbox.config().wechat_global;
    let key = MerchantKey::from_pem(paywire_sandbox::keys::MERCHANT_PRIVATE_KEY_PEM).unwrap();
    MerchantSigner::new(&config.mchid, &config.merchant_serial, key)
}

/// Places a `gateway` order numbered `number` whose notification goes to `notify_url`.
pub async fn place(
    sandbox: &Sandbox,
    client: &Client,
    gateway: Gateway,
    number: &str,
    notify_url: &str,
) -> Placed {
    let config = sandbox.config();
    let base = sandbox.base_url(gateway);
    let (request, order) = match gateway {
        Gateway::SWIFTPASS => {
            let mut o = swiftpass::sample();
            o.mch_id = config.swiftpass.mch_id.clone();
            o.out_trade_no = number.into();
            o.notify_url = notify_url.into();
            let key = Secret::new(config.swiftpass.key.as_str());
            let url = swiftpass::gateway_url(&base);
            let order = Order::new(o.total_fee);
            (swiftpass::request(&url, &o, &key).unwrap(), order)
        }
        Gateway::WEIDOUFU => {
            let mut o = weidoufu::sample();
            o.access_key = config.weidoufu.access_key.clone();
            o.out_order_no = number.into();
            o.notify_url = notify_url.into();
            let secret = Secret::new(config.weidoufu.secret_key.as_str());
            let order = Order::new(o.total_fee);
            (weidoufu::request(&base, &o, &secret).unwrap(), order)
        }
        Gateway::XORPAY => {
            let mut o = xorpay::sample();
            o.aid = config.xorpay.aid.clone();
            o.order_id = number.into();
            o.notify_url = notify_url.into();
            let secret = Secret::new(config.xorpay.app_secret.as_str());
            let order = Order::new(o.price.fen());
            (xorpay::request(&base, &o, &secret).unwrap(), order)
        }
        Gateway::WECHAT_GLOBAL => {
            let mut o = wechat_global::sample_direct();
            o.mchid = Some(config.wechat_global.mchid.clone());
            o.out_trade_no = number.into();
            o.notify_url = notify_url.into();
            let now = paywire_sandbox::state::unix_now();
            let request = wechat_global::request(&base, &o, &signer(sandbox), now, number).unwrap();
            let order = Order::new(Fen::new(o.amount.total)).currency(o.amount.currency.clone());
            (request, order)
        }
        other => panic!("{} sends no notification", other.name()),
    };
    let answer = client.send(request).await.unwrap();
    assert_eq!(
        answer.status(),
        200,
        "{}",
        String::from_utf8_lossy(answer.body())
    );
    // XorPay's answer names the aoid its notification will carry: the order keeps it.
    let order = if gateway == Gateway::XORPAY {
        order.gateway_order(xorpay::read_answer(answer.body()).unwrap().aoid)
    } else {
        order
    };
    Placed {
        gateway,
        number: number.into(),
        order,
    }
}

/// WeChat Pay Global's receiver with the sandbox's platform certificate and APIv3 key.
pub fn wechat_global_receiver(sandbox: &Sandbox) -> paywire_axum::Receiver {
    let config = &sandbox.config().wechat_global;
    let mut platform = paywire_providers::wechat::v3::PlatformKeys::new();
    platform
        .add_certificate_pem(&config.platform_certificate_pem)
        .unwrap();
    wechat_global::receiver(platform, Secret::new(config.apiv3_key.as_str()))
}

/// The four gateways' receivers with the sandbox's credentials.
pub fn receivers(sandbox: &Sandbox) -> Vec<paywire_axum::Receiver> {
    let c = sandbox.config();
    vec![
        swiftpass::receiver(swiftpass::VerifyKey::Md5(Secret::new(
            c.swiftpass.key.as_str(),
        ))),
        weidoufu::receiver(Secret::new(c.weidoufu.secret_key.as_str())),
        xorpay::receiver(Secret::new(c.xorpay.app_secret.as_str())),
        wechat_global_receiver(sandbox),
    ]
}

/// Refunds `amount` of the WeChat Pay Global order `placed` under `refund_no`, its end
/// notified to `notify_url`; the sandbox makes it at once and notifies its success.
pub async fn refund_wechat_global(
    sandbox: &Sandbox,
    client: &Client,
    placed: &Placed,
    refund_no: &str,
    amount: Fen,
    notify_url: &str,
) {
    let config = &sandbox.config().wechat_global;
    let refund = wechat_global::RefundRequest {
        mchid: Some(config.mchid.clone()),
        sp_mchid: None,
        sub_mchid: None,
        transaction_id: None,
        out_trade_no: Some(placed.number.clone()),
        out_refund_no: refund_no.into(),
        reason: None,
        notify_url: Some(notify_url.into()),
        amount: wechat_global::RefundAmount {
            refund: amount,
            total: placed.order.amount,
            currency: placed.order.currency.clone().unwrap_or_default(),
        },
    };
    let now = paywire_sandbox::state::unix_now();
    let base = sandbox.base_url(Gateway::WECHAT_GLOBAL);
    let request = wechat_global::refund_request(&base, &refund, &signer(sandbox), now, refund_no);
    let answer = client.send(request.unwrap()).await.unwrap();
    assert_eq!(
        answer.status(),
        200,
        "{}",
        String::from_utf8_lossy(answer.body())
    );
}

/// The sandbox's configuration with deliveries retried quickly (20 ms, doubling to
/// 100 ms), so that a test's failed deliveries are tried again at once.
pub fn quick_retries() -> paywire_sandbox::SandboxConfig {
    paywire_sandbox::SandboxConfig {
        retry: paywire_sandbox::config::RetryConfig {
            first_delay_ms: 20,
            max_delay_ms: 100,
            ..paywire_sandbox::config::RetryConfig::default()
        },
        ..paywire_sandbox::SandboxConfig::default()
    }
}
