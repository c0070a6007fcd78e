//! `paywire demo`: the sandbox in-process on a free loopback port, a merchant notify
//! endpoint beside it, and for each gateway: build the request, send it over HTTP,
//! verify the answer, show the NATIVE QR code, pay, and receive and verify the
//! notification. Exit status 0 only if all five pass.

use crate::merchant::{Merchant, MerchantKeys, MerchantOptions, PlacedOrder};
use crate::qr;
use paywire::client::Client;
use paywire::keys::MerchantKey;
use paywire::wechat_v3::{MerchantSigner, PlatformKeys};
use paywire::{Fen, PayRequest, Secret, Yuan};
use paywire_providers::{feat, swiftpass, wechat_global, weidoufu, xorpay};
use paywire_sandbox::config::RetryConfig;
use paywire_sandbox::state::unix_now;
use paywire_sandbox::{Gateway, Sandbox, SandboxConfig};
use std::io::Write;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// The demo's notification retries: quick, so a run takes seconds.
pub const DEMO_RETRY: RetryConfig = RetryConfig {
    first_delay_ms: 50,
    max_delay_ms: 400,
    max_attempts: 10,
    timeout_ms: 3_000,
    workers: 8,
};

/// The shortest wait for a notification to be applied.
const NOTIFY_TIMEOUT: Duration = Duration::from_secs(15);

/// How long the sandbox may keep delivering under `retry`: every attempt timing out, and
/// every pause between them. Waiting less could call a payment missing that the next
/// retry applies.
fn delivery_span(retry: &RetryConfig) -> Duration {
    let pauses: Duration = (1..retry.max_attempts).map(|a| retry.delay_after(a)).sum();
    pauses + Duration::from_millis(retry.timeout_ms) * retry.max_attempts
}

/// One gateway's outcome.
#[derive(Debug, Clone)]
pub struct Row {
    /// The gateway.
    pub gateway: Gateway,
    /// The merchant's order number.
    pub order: String,
    /// The verified answer, or why it failed.
    pub response: Result<String, String>,
    /// The verified notification, or why it failed.
    pub notification: Result<String, String>,
    /// Wall time of the whole flow.
    pub elapsed: Duration,
}

impl Row {
    /// Whether both the answer and the notification passed.
    pub fn passed(&self) -> bool {
        self.response.is_ok() && self.notification.is_ok()
    }
}

/// An HTTP reply, read whole.
pub struct Reply {
    /// Status code.
    pub status: u16,
    /// Headers.
    pub headers: http::HeaderMap,
    /// Body.
    pub body: Vec<u8>,
}

/// Sends a sans-IO request with paywire's client.
pub async fn send(client: &Client, request: http::Request<Vec<u8>>) -> Result<Reply, String> {
    let answer = client.send(request).await.map_err(|e| e.to_string())?;
    let (parts, body) = answer.into_parts();
    Ok(Reply {
        status: parts.status.as_u16(),
        headers: parts.headers,
        body,
    })
}

/// What the demo runs against.
pub struct Demo {
    /// The sandbox.
    pub sandbox: Sandbox,
    /// The merchant's notify endpoint.
    pub merchant: Merchant,
    client: Client,
    /// The demo merchant's v3 signer (sandbox keys).
    signer: MerchantSigner,
    /// The sandbox platform's certificate, to verify v3 answers.
    platform: PlatformKeys,
    counter: AtomicU32,
    /// How long a flow waits for its notification to be applied.
    notify_timeout: Duration,
    /// Where `--verbose` writes each exchange, if it does.
    trace: Option<std::sync::Mutex<Box<dyn Write + Send>>>,
}

impl Demo {
    /// Starts a sandbox (fast retries) and a merchant that fails its first `fail_first`
    /// notification deliveries.
    pub async fn start(fail_first: u32) -> Result<Demo, String> {
        let merchant = MerchantOptions {
            fail_first,
            ..MerchantOptions::default()
        };
        Demo::start_with(DEMO_RETRY, merchant).await
    }

    /// Starts a sandbox with `retry` and a merchant with `merchant` options.
    pub async fn start_with(retry: RetryConfig, merchant: MerchantOptions) -> Result<Demo, String> {
        let config = SandboxConfig {
            retry,
            ..SandboxConfig::default()
        };
        let keys = MerchantKeys::for_sandbox(&config)?;
        // Loaded once: parsing an RSA key and a certificate per order would dominate a soak.
        let key = MerchantKey::from_pem(paywire_sandbox::keys::MERCHANT_PRIVATE_KEY_PEM)
            .map_err(|e| e.to_string())?;
        let signer = MerchantSigner::new(
            &config.wechat_global.mchid,
            &config.wechat_global.merchant_serial,
            key,
        );
        let mut platform = PlatformKeys::new();
        platform
            .add_certificate_pem(&config.wechat_global.platform_certificate_pem)
            .map_err(|e| e.to_string())?;
        let addr = "127.0.0.1:0".parse().map_err(|e| format!("{e}"))?;
        let sandbox = Sandbox::start(config, addr)
            .await
            .map_err(|e| e.to_string())?;
        let merchant = Merchant::start_with(keys, merchant)
            .await
            .map_err(|e| e.to_string())?;
        let client = Client::new().map_err(|e| e.to_string())?;
        Ok(Demo {
            sandbox,
            merchant,
            client,
            signer,
            platform,
            counter: AtomicU32::new(0),
            notify_timeout: NOTIFY_TIMEOUT.max(delivery_span(&retry) + Duration::from_secs(5)),
            trace: None,
        })
    }

    /// A fresh order number: letters and digits, 18 or more (weidoufu's rule).
    pub fn order_number(&self) -> String {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        format!(
            "DEMO{}{:04}{:04}",
            unix_now(),
            std::process::id() % 10_000,
            n
        )
    }

    /// Writes every request (its sign string with the key as `***`, method, URL, body),
    /// answer and received notification to `out`.
    pub fn with_trace(mut self, out: Box<dyn Write + Send>) -> Self {
        self.trace = Some(std::sync::Mutex::new(out));
        self
    }

    fn trace(&self, label: &str, text: &str) {
        if let Some(out) = &self.trace {
            let mut out = out.lock().unwrap_or_else(|p| p.into_inner());
            let _ = writeln!(out, "  {label}: {text}");
        }
    }

    /// Sends `request`, tracing it (with `sign_string`) and its answer.
    async fn exchange(
        &self,
        sign_string: Option<String>,
        request: http::Request<Vec<u8>>,
    ) -> Result<Reply, String> {
        if let Some(sign_string) = sign_string {
            self.trace("sign string", &sign_string);
        }
        self.trace(
            "request",
            &format!(
                "{} {} {}",
                request.method(),
                request.uri(),
                String::from_utf8_lossy(request.body())
            ),
        );
        let reply = send(&self.client, request).await?;
        self.trace(
            "answer",
            &format!(
                "HTTP {} {}",
                reply.status,
                String::from_utf8_lossy(&reply.body)
            ),
        );
        Ok(reply)
    }

    /// Pays the sandbox order placed for `out_trade_no` with `gateway`, as a payer would.
    pub async fn pay(&self, gateway: Gateway, out_trade_no: &str) -> Result<String, String> {
        let order = self
            .sandbox
            .orders()
            .into_iter()
            .find(|o| o.gateway == gateway && o.out_trade_no == out_trade_no)
            .ok_or_else(|| format!("the sandbox has no {} order {out_trade_no}", gateway.name()))?;
        let url = format!("{}/_sandbox/orders/{}/pay", self.sandbox.url(), order.id);
        let request = http::Request::post(url)
            .body(Vec::new())
            .map_err(|e| e.to_string())?;
        let reply = send(&self.client, request).await?;
        if !(200..300).contains(&reply.status) {
            return Err(format!("pay: HTTP {}", reply.status));
        }
        Ok(order.id)
    }

    async fn await_notification(
        &self,
        gateway: Gateway,
        out_trade_no: &str,
        sandbox_id: &str,
    ) -> Result<String, String> {
        if self
            .merchant
            .wait_applied(gateway, out_trade_no, self.notify_timeout)
            .await
            .is_none()
        {
            return Err(format!(
                "no verified notification within {}s; merchant refused: {:?}",
                self.notify_timeout.as_secs(),
                self.merchant.refused()
            ));
        }
        // The sandbox records the acknowledged attempt once the merchant's answer is back.
        let order = self
            .sandbox
            .wait_acknowledged(sandbox_id, self.notify_timeout)
            .await;
        let attempts = order.as_ref().map_or(0, |o| o.deliveries.len());
        Ok(format!("verified, applied once ({attempts} deliveries)"))
    }

    /// featapi: NATIVE order, QR code, pay (featapi documents no notification).
    pub async fn feat(&self, out: &mut (dyn Write + Send)) -> Row {
        let start = Instant::now();
        let config = self.sandbox.config();
        let order = paywire_providers::feat::sample();
        let answer = async {
            let request = paywire_providers::feat::request(
                &self.sandbox.base_url(Gateway::Feat),
                &order,
                &Secret::new(config.feat.access_token.as_str()),
            )
            .map_err(|e| e.to_string())?;
            let reply = self.exchange(None, request).await?;
            match feat::read_answer(&order, reply.status, &reply.body).map_err(|e| e.to_string())? {
                feat::PayResult::Native(data) => Ok(data.code_url),
                other => Err(format!("expected the NATIVE shape, got {other:?}")),
            }
        }
        .await;
        let (order_no, response, notification) = match answer {
            Ok(code_url) => {
                let _ = writeln!(
                    out,
                    "featapi NATIVE code_url {code_url}, scan to pay:\n{}",
                    qr::terminal(&code_url).unwrap_or_else(|e| format!("({e})"))
                );
                let sandbox_id = code_url.rsplit("pr=").next().unwrap_or_default().to_owned();
                let paid = self.pay(Gateway::Feat, &sandbox_id).await;
                let notification =
                    paid.map(|_| "none: featapi documents no notification".to_owned());
                (
                    sandbox_id,
                    Ok("decoded (featapi does not sign answers)".to_owned()),
                    notification,
                )
            }
            Err(e) => (String::new(), Err(e), Err("not reached".into())),
        };
        Row {
            gateway: Gateway::Feat,
            order: order_no,
            response,
            notification,
            elapsed: start.elapsed(),
        }
    }

    /// weidoufu: WeChat mini-program order, `pay_sign` checked, pay, notification.
    pub async fn weidoufu(&self) -> Row {
        let start = Instant::now();
        let config = self.sandbox.config();
        let mut order = paywire_providers::weidoufu::sample();
        order.access_key = config.weidoufu.access_key.clone();
        order.out_order_no = self.order_number();
        order.notify_url = self.merchant.notify_url(Gateway::Weidoufu);
        self.merchant.placed(
            Gateway::Weidoufu,
            &order.out_order_no,
            placed(order.total_fee, None),
        );
        let answer = async {
            let secret = Secret::new(config.weidoufu.secret_key.as_str());
            let request = paywire_providers::weidoufu::request(
                &self.sandbox.base_url(Gateway::Weidoufu),
                &order,
                &secret,
            )
            .map_err(|e| e.to_string())?;
            let reply = self
                .exchange(Some(order.sign_string_redacted()), request)
                .await?;
            let data = weidoufu::read_answer(&reply.body).map_err(|e| e.to_string())?;
            match &data.jsapi {
                weidoufu::Jsapi::Wechat(jsapi) => {
                    jsapi
                        .verify_pay_sign(&Secret::new(config.weidoufu.wechat_key.as_str()))
                        .map_err(|e| e.to_string())?;
                    Ok("decoded, pay_sign verified".to_owned())
                }
                other => Err(format!("expected WeChat jsapi parameters, got {other:?}")),
            }
        }
        .await;
        self.finish(Gateway::Weidoufu, order.out_order_no, answer, start)
            .await
    }

    /// SwiftPass: `pay.weixin.wap`, signed answer verified, pay, notification.
    pub async fn swiftpass(&self) -> Row {
        let start = Instant::now();
        let config = self.sandbox.config();
        let mut order = paywire_providers::swiftpass::sample();
        order.mch_id = config.swiftpass.mch_id.clone();
        order.out_trade_no = self.order_number();
        order.notify_url = self.merchant.notify_url(Gateway::Swiftpass);
        self.merchant.placed(
            Gateway::Swiftpass,
            &order.out_trade_no,
            placed(order.total_fee, None),
        );
        let answer = async {
            let key = Secret::new(config.swiftpass.key.as_str());
            let request = paywire_providers::swiftpass::request(
                &swiftpass::gateway_url(&self.sandbox.base_url(Gateway::Swiftpass)),
                &order,
                &key,
            )
            .map_err(|e| e.to_string())?;
            let reply = self
                .exchange(Some(order.sign_string_redacted()), request)
                .await?;
            let verified = swiftpass::verify_response(&reply.body, &swiftpass::VerifyKey::Md5(key))
                .map_err(|e| e.to_string())?;
            match verified.value.mweb_url {
                Some(_) => Ok("signature verified, mweb_url received".to_owned()),
                None => Err("signature verified, but no mweb_url".to_owned()),
            }
        }
        .await;
        self.finish(Gateway::Swiftpass, order.out_trade_no, answer, start)
            .await
    }

    /// WeChat Pay Global: RSA-signed request, `Wechatpay-*` verified answer, pay,
    /// encrypted notification.
    pub async fn wechat_global(&self) -> Row {
        let start = Instant::now();
        let config = self.sandbox.config();
        let mut order = paywire_providers::wechat_global::sample_direct();
        order.mchid = Some(config.wechat_global.mchid.clone());
        order.out_trade_no = self.order_number();
        order.notify_url = self.merchant.notify_url(Gateway::WechatGlobal);
        order.amount.total = 10;
        let currency = Some(order.amount.currency.clone());
        let amount = Fen::new(order.amount.total);
        self.merchant.placed(
            Gateway::WechatGlobal,
            &order.out_trade_no,
            placed(amount, currency),
        );
        let answer = async {
            let nonce = paywire::sign::md5_hex(
                order.out_trade_no.as_bytes(),
                paywire::schema::HexCase::Upper,
            );
            let request = paywire_providers::wechat_global::request(
                &self.sandbox.base_url(Gateway::WechatGlobal),
                &order,
                &self.signer,
                unix_now(),
                &nonce,
            )
            .map_err(|e| e.to_string())?;
            let reply = self.exchange(None, request).await?;
            wechat_global::read_answer(
                &self.platform,
                reply.status,
                &reply.headers,
                &reply.body,
                unix_now(),
            )
            .map_err(|e| e.to_string())?;
            Ok("Wechatpay-Signature verified, prepay_id received".to_owned())
        }
        .await;
        self.finish(Gateway::WechatGlobal, order.out_trade_no, answer, start)
            .await
    }

    /// XorPay: form request, `info.paySign` verified, pay, notification.
    pub async fn xorpay(&self) -> Row {
        let start = Instant::now();
        let config = self.sandbox.config();
        let mut order = paywire_providers::xorpay::sample();
        order.aid = config.xorpay.aid.clone();
        order.order_id = self.order_number();
        order.price = Yuan(Fen::new(1));
        order.notify_url = self.merchant.notify_url(Gateway::Xorpay);
        let answer = async {
            let secret = Secret::new(config.xorpay.app_secret.as_str());
            let request = paywire_providers::xorpay::request(
                &self.sandbox.base_url(Gateway::Xorpay),
                &order,
                &secret,
            )
            .map_err(|e| e.to_string())?;
            let reply = self
                .exchange(Some(order.sign_string_redacted()), request)
                .await?;
            let answer = xorpay::read_answer(&reply.body).map_err(|e| e.to_string())?;
            // The aoid XorPay gave the order: its notification must carry the same one.
            let aoid = answer.aoid.clone();
            self.merchant.placed(
                Gateway::Xorpay,
                &order.order_id,
                PlacedOrder {
                    gateway_order: Some(aoid),
                    ..placed(order.price.fen(), None)
                },
            );
            answer
                .info
                .verify(&Secret::new(config.xorpay.wechat_key.as_str()))
                .map_err(|e| e.to_string())?;
            Ok("decoded, info.paySign verified".to_owned())
        }
        .await;
        self.finish(Gateway::Xorpay, order.order_id, answer, start)
            .await
    }

    async fn finish(
        &self,
        gateway: Gateway,
        out_trade_no: String,
        answer: Result<String, String>,
        start: Instant,
    ) -> Row {
        let notification = match &answer {
            Ok(_) => match self.pay(gateway, &out_trade_no).await {
                Ok(sandbox_id) => {
                    let applied = self
                        .await_notification(gateway, &out_trade_no, &sandbox_id)
                        .await;
                    if let Some(body) = self.merchant.last_notification(gateway) {
                        self.trace("notification", &String::from_utf8_lossy(&body));
                    }
                    applied
                }
                Err(e) => Err(e),
            },
            Err(_) => Err("not reached".into()),
        };
        Row {
            gateway,
            order: out_trade_no,
            response: answer,
            notification,
            elapsed: start.elapsed(),
        }
    }

    /// All five flows, in order.
    pub async fn run_all(&self, out: &mut (dyn Write + Send)) -> Vec<Row> {
        vec![
            self.feat(out).await,
            self.weidoufu().await,
            self.swiftpass().await,
            self.wechat_global().await,
            self.xorpay().await,
        ]
    }
}

/// What the merchant records of an order it places: the amount (and currency).
fn placed(amount: Fen, currency: Option<String>) -> PlacedOrder {
    PlacedOrder {
        amount,
        currency,
        gateway_order: None,
    }
}

/// The results table.
pub fn table(rows: &[Row]) -> String {
    let cell = |r: &Result<String, String>| match r {
        Ok(s) => format!("ok: {s}"),
        Err(e) => format!("FAILED: {e}"),
    };
    let mut out = format!(
        "{:<14} {:<26} {:<52} {:<44} {:>8}\n",
        "gateway", "order", "response", "notification", "time"
    );
    for row in rows {
        out.push_str(&format!(
            "{:<14} {:<26} {:<52} {:<44} {:>6}ms\n",
            row.gateway.name(),
            row.order,
            cell(&row.response),
            cell(&row.notification),
            row.elapsed.as_millis()
        ));
    }
    let passed = rows.iter().filter(|r| r.passed()).count();
    out.push_str(&format!("{passed}/{} gateways passed", rows.len()));
    out
}
