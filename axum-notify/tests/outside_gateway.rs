//! A gateway paywire does not ship ("acme": form bodies, sorted MD5 with `&key=`),
//! declared in a merchant's own crate as one registry entry and nothing else: its request
//! signs through the registry's lookup like a shipped endpoint, and `paywire-axum`
//! receives its notifications and applies each payment once. Signatures are checked
//! against the `md-5` crate over sign strings written out by hand here.

use md5::{Digest, Md5};
use paywire::ledger::{Ledger, OrderKey, Payment};
use paywire::{Fen, PayRequest, PayResponse, Secret};
use paywire_axum::{Notifications, Order, Shop};
use paywire_providers::registry::{
    self, Endpoint, Gateway, Message, Receiver, Registry, SignOptions,
};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

const KEY: &str = "acme-test-key-0123456789";

/// acme's order.
#[derive(Debug, Clone, PayRequest)]
#[pay(format = "form", sign = "md5-sorted", sign_key = "key")]
struct AcmePay {
    /// The merchant's order number.
    #[pay(len = 1..=32, trade_no)]
    out_trade_no: String,
    /// Amount in fen.
    #[pay(range = 1..)]
    amount: Fen,
}

/// acme's payment notification.
#[derive(Debug, Clone, PayResponse)]
#[pay(format = "form", sign = "md5-sorted", sign_key = "key")]
struct AcmePaid {
    #[pay(len = 1..=32, trade_no)]
    out_trade_no: String,
    amount: Fen,
}

fn receiver(key: Secret) -> Receiver {
    Receiver::new("acme", "OK", move |_, body, _| {
        let paid = AcmePaid::verify_body(body, &key)?.value;
        Ok(Some(Payment {
            key: OrderKey::new("acme", &paid.out_trade_no),
            order: paid.out_trade_no,
            amount: paid.amount,
            currency: None,
            gateway_order: None,
            must_match: Default::default(),
        }))
    })
}

static ACME: Gateway = Gateway {
    id: "acme",
    endpoints: &[Endpoint {
        name: "acme/pay",
        schema: AcmePay::SCHEMA,
        sign: registry::with_key::<AcmePay>,
        build: |_, _, _, _| Err(registry::SignFailure::Usage("not sent in this test".into())),
        resolve: None,
    }],
    messages: &[Message {
        name: "acme/notify",
        verify: |body, options| match registry::secret(options) {
            Err(e) => registry::usage(e),
            Ok(key) => registry::outcome(
                AcmePaid::verify_body(body, &key).map(|v| registry::fields_json(&v.fields)),
            ),
        },
    }],
    receiver: Some(|c| Ok(receiver(registry::need(&c.key, "acme needs --key")?))),
    sample: None,
    lifecycle: None,
};

static MERCHANT_GATEWAYS: Registry = Registry(&[&ACME]);

fn md5_upper(text: &str) -> String {
    Md5::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect()
}

#[test]
fn an_outside_gateway_signs_through_the_registry_like_a_shipped_one() {
    let endpoint = MERCHANT_GATEWAYS.endpoint("acme/pay").unwrap();
    let mut options = SignOptions::default();
    options.credentials.key = Some(Secret::new(KEY));
    let report = (endpoint.sign)(
        endpoint.name,
        br#"{"out_trade_no": "A-1", "amount": 250}"#,
        &options,
    )
    .unwrap();
    let expected = md5_upper(&format!("amount=250&out_trade_no=A-1&key={KEY}"));
    assert_eq!(report["signature"], expected.as_str());
    assert_eq!(report["sign_string"], "amount=250&out_trade_no=A-1&key=***");
    assert!(!report.to_string().contains(KEY));
    let unknown = MERCHANT_GATEWAYS.endpoint("acme/refund").unwrap_err();
    assert!(unknown.contains("acme/pay"), "{unknown}");
}

struct Books {
    writes: AtomicU32,
}

impl Shop for Books {
    async fn order(&self, payment: &Payment) -> Option<Order> {
        (payment.order == "A-1").then(|| Order::new(Fen::new(250)))
    }
    async fn apply(&self, _: &Payment) -> Result<(), String> {
        self.writes.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

#[tokio::test]
async fn an_outside_gateway_s_notifications_are_received_and_applied_once() {
    let books = Arc::new(Books {
        writes: AtomicU32::new(0),
    });
    let make = ACME.receiver.unwrap();
    let credentials = registry::Credentials {
        key: Some(Secret::new(KEY)),
        ..Default::default()
    };
    let app = Notifications::new(books.clone(), Ledger::in_memory())
        .receive(make(&credentials).unwrap())
        .router();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/acme", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });

    let sign = md5_upper(&format!("amount=250&out_trade_no=A-1&key={KEY}"));
    let body = format!("out_trade_no=A-1&amount=250&sign={sign}");
    let client = paywire::client::Client::new().unwrap();
    for _ in 0..3 {
        let request = http::Request::post(url.as_str())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body.clone().into_bytes())
            .unwrap();
        let answer = client.send(request).await.unwrap();
        assert_eq!(answer.status(), 200);
        assert_eq!(answer.body(), b"OK");
    }
    assert_eq!(books.writes.load(Ordering::SeqCst), 1);

    // A forged signature is refused and nothing more is written.
    let forged = body.replace("amount=250", "amount=1");
    let request = http::Request::post(url.as_str())
        .body(forged.into_bytes())
        .unwrap();
    let answer = client.send(request).await.unwrap();
    assert_eq!(answer.status(), 401);
    assert_eq!(books.writes.load(Ordering::SeqCst), 1);

    // Its verify kind is looked up like a shipped one.
    let kind = MERCHANT_GATEWAYS.message("acme/notify").unwrap();
    let options = registry::VerifyOptions {
        credentials,
        ..Default::default()
    };
    assert_eq!((kind.verify)(body.as_bytes(), &options).code, 0);
}
