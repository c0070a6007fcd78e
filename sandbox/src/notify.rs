//! Notification delivery: POST to the merchant's `notify_url`, retrying with back-off
//! until the merchant acknowledges the way the gateway expects.

use crate::config::RetryConfig;
use crate::state::{Delivery, Orders};
use paywire::client::{Client, ClientOptions};
use std::sync::Arc;
use std::time::Duration;

/// How the merchant acknowledges.
#[derive(Debug, Clone, Copy)]
pub enum Ack {
    /// A 2xx answer whose body, trimmed, is exactly this text (`success`, `ok`).
    Text(&'static str),
    /// Any 2xx answer (WeChat Pay v3).
    Http2xx,
}

/// A notification ready to send.
#[derive(Debug, Clone)]
pub struct Outgoing {
    /// The merchant's `notify_url`.
    pub url: String,
    /// `Content-Type`.
    pub content_type: &'static str,
    /// Extra headers (v3 `Wechatpay-*`).
    pub headers: Vec<(&'static str, String)>,
    /// The body.
    pub body: Vec<u8>,
    /// The expected acknowledgement.
    pub ack: Ack,
}

/// Delivers `outgoing` for order `id` in the background, recording every attempt.
pub fn spawn(orders: Arc<Orders>, retry: RetryConfig, id: String, outgoing: Outgoing) {
    tokio::spawn(async move {
        let options = ClientOptions {
            timeout: Duration::from_millis(retry.timeout_ms),
            // A proxy from the environment would carry deliveries off the machine.
            proxy_from_env: false,
            ..ClientOptions::default()
        };
        let client = match Client::with_options(options) {
            Ok(c) => c,
            Err(e) => {
                let answer = format!("cannot build the HTTP client: {e}");
                orders.record(&id, Delivery::unanswered(0, answer));
                return;
            }
        };
        for attempt in 1..=retry.max_attempts {
            let delivery = attempt_once(&client, &outgoing, attempt).await;
            let done = delivery.acknowledged;
            orders.record(&id, delivery);
            if done {
                return;
            }
            tokio::time::sleep(retry.delay_after(attempt)).await;
        }
    });
}

async fn attempt_once(client: &Client, outgoing: &Outgoing, attempt: u32) -> Delivery {
    // Orders were refused unless their notify_url is on loopback; checked again here, at
    // the one place that connects, so no path can deliver anywhere else.
    let url = match crate::loopback::target(&outgoing.url) {
        Ok(url) => url,
        Err(rule) => return Delivery::unanswered(attempt, format!("not delivered: {rule}")),
    };
    let mut request =
        http::Request::post(&url).header(http::header::CONTENT_TYPE, outgoing.content_type);
    for (name, value) in &outgoing.headers {
        request = request.header(*name, value);
    }
    let request = match request.body(outgoing.body.clone()) {
        Ok(r) => r,
        Err(e) => return Delivery::unanswered(attempt, format!("bad notify_url: {e}")),
    };
    match client.send(request).await {
        Ok(response) => {
            let status = response.status();
            let answer = String::from_utf8_lossy(response.body()).into_owned();
            let acknowledged = status.is_success()
                && match outgoing.ack {
                    Ack::Text(expected) => answer.trim() == expected,
                    Ack::Http2xx => true,
                };
            Delivery {
                attempt,
                status: Some(status.as_u16()),
                answer: answer.chars().take(200).collect(),
                acknowledged,
            }
        }
        Err(e) => Delivery::unanswered(attempt, format!("transport error: {e}")),
    }
}
