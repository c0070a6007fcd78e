//! The sandbox finds and pays orders by the merchant's own order number, as a merchant's
//! test knows them: `GET /_sandbox/orders?out_trade_no=`, `POST
//! /_sandbox/orders/{number}/pay`, and `Sandbox::pay` in process.

use paywire::client::Client;
use paywire::{Fen, Secret, Yuan};
use paywire_providers::xorpay;
use paywire_sandbox::{Gateway, Sandbox, SandboxConfig};
use serde_json::Value;

async fn place(sandbox: &Sandbox, client: &Client, number: &str) {
    let config = sandbox.config();
    let mut order = xorpay::sample();
    order.aid = config.xorpay.aid.clone();
    order.order_id = number.to_owned();
    order.price = Yuan(Fen::new(1));
    order.notify_url = "http://127.0.0.1:9/notify".into();
    let request = xorpay::request(
        &sandbox.base_url(Gateway::XORPAY),
        &order,
        &Secret::new(config.xorpay.app_secret.as_str()),
    )
    .unwrap();
    let answer = client.send(request).await.unwrap();
    assert_eq!(answer.status(), 200);
}

async fn call(client: &Client, method: &str, url: &str) -> (u16, Value) {
    let request = http::Request::builder()
        .method(method)
        .uri(url)
        .body(Vec::new())
        .unwrap();
    let answer = client.send(request).await.unwrap();
    let body = serde_json::from_slice(answer.body()).unwrap_or(Value::Null);
    (answer.status().as_u16(), body)
}

#[tokio::test(flavor = "multi_thread")]
async fn orders_are_found_and_paid_by_the_merchant_s_number() {
    let sandbox = Sandbox::start(SandboxConfig::default(), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let client = Client::new().unwrap();
    place(&sandbox, &client, "BYNUMBER1").await;
    place(&sandbox, &client, "BYNUMBER2").await;
    let url = sandbox.url();

    let (status, page) = call(
        &client,
        "GET",
        &format!("{url}/_sandbox/orders?out_trade_no=BYNUMBER1"),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(page["total"], 1, "{page}");
    assert_eq!(page["orders"][0]["out_trade_no"], "BYNUMBER1");
    assert_eq!(page["orders"][0]["gateway"], "xorpay");
    let (_, page) = call(
        &client,
        "GET",
        &format!("{url}/_sandbox/orders?out_trade_no=BYNUMBER1&gateway=swiftpass"),
    )
    .await;
    assert_eq!(page["total"], 0, "{page}");
    let (status, _) = call(
        &client,
        "GET",
        &format!("{url}/_sandbox/orders?out_trade_no=X&gateway=nope"),
    )
    .await;
    assert_eq!(status, 400);

    // Paid by its number over HTTP, and in process.
    let (status, order) = call(
        &client,
        "POST",
        &format!("{url}/_sandbox/orders/BYNUMBER1/pay"),
    )
    .await;
    assert_eq!(status, 200, "{order}");
    assert_eq!(order["paid"], true);
    let paid = sandbox.pay("BYNUMBER2").unwrap();
    assert!(paid.paid);
    assert!(sandbox
        .orders_numbered("BYNUMBER2", Some(Gateway::XORPAY))
        .iter()
        .all(|o| o.paid));

    let (status, body) = call(
        &client,
        "POST",
        &format!("{url}/_sandbox/orders/NOSUCH/pay"),
    )
    .await;
    assert_eq!(status, 404);
    assert!(body["error"].as_str().unwrap().contains("NOSUCH"));
    assert!(sandbox.pay("NOSUCH").is_err());
}
