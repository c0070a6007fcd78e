//! `paywire demo`: the sandbox in-process on a free loopback port, a merchant notify
//! endpoint beside it, and for each gateway of the registry: place its sample order over
//! HTTP, verify the answer, show a QR code where the answer has one, pay, and receive
//! and verify the notification where the gateway sends one. Exit status 0 only if every
//! gateway passes.

use crate::merchant::{Merchant, MerchantKeys, MerchantLedger, MerchantOptions, PlacedOrder};
use crate::qr;
use paywire::client::Client;
use paywire_providers::registry::{Answered, Credentials, Place};
use paywire_providers::GATEWAYS;
use paywire_sandbox::config::RetryConfig;
use paywire_sandbox::state::unix_now;
use paywire_sandbox::{Gateway, Sandbox, SandboxConfig};
use std::io::Write;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

mod after;

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
    /// The steps after the order (query, refunds, close), where the gateway declares
    /// them and the demo ran them.
    pub after: Option<Result<String, String>>,
    /// Wall time of the whole flow.
    pub elapsed: Duration,
}

impl Row {
    /// Whether the answer, the notification and the steps after the order passed.
    pub fn passed(&self) -> bool {
        self.response.is_ok()
            && self.notification.is_ok()
            && self.after.as_ref().is_none_or(Result::is_ok)
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
    /// The merchant's credentials at each gateway, loaded once: parsing an RSA key per
    /// order would dominate a soak.
    credentials: Vec<(Gateway, Credentials)>,
    counter: AtomicU32,
    /// How long a flow waits for its notification to be applied.
    notify_timeout: Duration,
    /// Where `--verbose` writes each exchange, if it does.
    trace: Option<std::sync::Mutex<Box<dyn Write + Send>>>,
    /// What each placed order was for and the gateway's id of it, by gateway and number.
    placed: std::sync::Mutex<Vec<after::Remembered>>,
    /// The merchant's refunds: each sent once, never past what was paid.
    refunds: paywire::ledger::Ledger,
}

impl Demo {
    /// Starts a sandbox (fast retries; the refunds of gateways that notify a refund's end
    /// held in progress until the demo ends them) and a merchant that fails its first
    /// `fail_first` notification deliveries.
    pub async fn start(fail_first: u32) -> Result<Demo, String> {
        let merchant = MerchantOptions {
            fail_first,
            ..MerchantOptions::default()
        };
        let config = SandboxConfig {
            retry: DEMO_RETRY,
            hold_refunds: true,
            ..SandboxConfig::default()
        };
        Demo::start_configured(config, merchant).await
    }

    /// Starts a sandbox with `retry` and a merchant with `merchant` options.
    pub async fn start_with(retry: RetryConfig, merchant: MerchantOptions) -> Result<Demo, String> {
        let config = SandboxConfig {
            retry,
            ..SandboxConfig::default()
        };
        Demo::start_configured(config, merchant).await
    }

    /// Starts a sandbox configured as `config` and a merchant with `merchant` options.
    pub async fn start_configured(
        config: SandboxConfig,
        merchant: MerchantOptions,
    ) -> Result<Demo, String> {
        let retry = config.retry;
        // The merchant's refunds are reserved in the ledger its notifications go through,
        // so a refund the gateway closes is taken back where it was reserved.
        let refunds = match &merchant.ledger {
            MerchantLedger::Separate(ledgers) => ledgers(0)?,
            _ => paywire::ledger::Ledger::in_memory(),
        };
        let keys = MerchantKeys::for_sandbox(&config)?;
        let credentials = GATEWAYS
            .ordering()
            .map(|g| {
                let gateway = Gateway::of(g.id);
                (gateway, paywire_sandbox::credentials(&config, gateway))
            })
            .collect();
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
            credentials,
            counter: AtomicU32::new(0),
            notify_timeout: NOTIFY_TIMEOUT.max(delivery_span(&retry) + Duration::from_secs(5)),
            trace: None,
            placed: std::sync::Mutex::new(Vec::new()),
            refunds,
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
        let attempts = order.as_ref().map_or(0, paywire_sandbox::Order::attempts);
        Ok(format!("verified, applied once ({attempts} deliveries)"))
    }

    /// One gateway's flow: its sample order placed and its answer checked, the order
    /// paid, and its notification applied once (where the gateway sends one). A QR code
    /// in the answer is shown on `out`.
    pub async fn flow(&self, gateway: Gateway, out: &mut (dyn Write + Send)) -> Row {
        let start = Instant::now();
        let order_number = self.order_number();
        let answer = self.place(gateway, &order_number).await;
        let (order, answer) = match answer {
            Ok((answered, amount, currency)) => {
                self.remember(
                    gateway,
                    &order_number,
                    answered.gateway_order.clone(),
                    amount,
                    currency,
                );
                if let Some(code_url) = &answered.code_url {
                    let _ = writeln!(
                        out,
                        "{} code_url {code_url}, scan to pay:\n{}",
                        gateway.name(),
                        qr::terminal(code_url).unwrap_or_else(|e| format!("({e})"))
                    );
                }
                let order = answered.tracked_as.clone().unwrap_or(order_number);
                (order, Ok(answered.summary))
            }
            Err(e) => (order_number, Err(e)),
        };
        self.finish(gateway, order, answer, start).await
    }

    /// Places the gateway's sample order as `order_number`, recording it with the
    /// merchant before the answer is read (the notification may come first) and again
    /// with what the answer adds (XorPay's `aoid`).
    async fn place(
        &self,
        gateway: Gateway,
        order_number: &str,
    ) -> Result<(Answered, paywire::Fen, Option<String>), String> {
        let descriptor = GATEWAYS
            .gateway(gateway.name())
            .ok_or_else(|| format!("no gateway {} in the registry", gateway.name()))?;
        let credentials = self
            .credentials
            .iter()
            .find(|(g, _)| *g == gateway)
            .map(|(_, c)| c)
            .ok_or_else(|| format!("no credentials for {}", gateway.name()))?;
        let notify_url = self.merchant.notify_url(gateway);
        let sample = descriptor
            .sample
            .ok_or_else(|| format!("{} takes no orders", gateway.name()))?;
        let placing = sample(&Place {
            base_url: &self.sandbox.base_url(gateway),
            notify_url: &notify_url,
            order_number,
            credentials,
            now: unix_now(),
        })?;
        let mut record = PlacedOrder {
            amount: placing.amount,
            currency: placing.currency.clone(),
            gateway_order: None,
        };
        let notifies = descriptor.receiver.is_some();
        if notifies {
            self.merchant.placed(gateway, order_number, record.clone());
        }
        let reply = self.exchange(placing.sign_string, placing.request).await?;
        let mut answer = http::Response::new(reply.body);
        *answer.status_mut() =
            http::StatusCode::from_u16(reply.status).map_err(|e| e.to_string())?;
        *answer.headers_mut() = reply.headers;
        let answered = (placing.read)(&answer)?;
        let (amount, currency) = (record.amount, record.currency.clone());
        if notifies && answered.gateway_order.is_some() {
            record.gateway_order = answered.gateway_order.clone();
            self.merchant.placed(gateway, order_number, record);
        }
        Ok((answered, amount, currency))
    }

    async fn finish(
        &self,
        gateway: Gateway,
        out_trade_no: String,
        answer: Result<String, String>,
        start: Instant,
    ) -> Row {
        let notifies = GATEWAYS
            .gateway(gateway.name())
            .is_some_and(|g| g.receiver.is_some());
        let notification = match &answer {
            Ok(_) if !notifies => self
                .pay(gateway, &out_trade_no)
                .await
                .map(|_| format!("none: {} documents no notification", gateway.name())),
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
            after: None,
            elapsed: start.elapsed(),
        }
    }

    /// Every gateway's flow, in registry order, then its steps after the order where it
    /// declares them.
    pub async fn run_all(&self, out: &mut (dyn Write + Send)) -> Vec<Row> {
        let mut rows = Vec::new();
        for g in GATEWAYS.ordering() {
            let mut row = self.flow(Gateway::of(g.id), out).await;
            if row.passed() {
                row.after = self.after_the_order(row.gateway, &row.order).await;
            }
            rows.push(row);
        }
        rows
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
    for row in rows {
        if let Some(after) = &row.after {
            out.push_str(&format!(
                "{:<14} after the order: {}\n",
                row.gateway.name(),
                cell(after)
            ));
        }
    }
    let passed = rows.iter().filter(|r| r.passed()).count();
    out.push_str(&format!("{passed}/{} gateways passed", rows.len()));
    out
}
