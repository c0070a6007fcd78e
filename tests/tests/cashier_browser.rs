//! The cashier page in headless Chromium (Debian's `chromium` and `chromium-driver`,
//! installed by `.ci/run`): load it, click Pay, and see the merchant receive and verify
//! the notification. Driven through ChromeDriver's WebDriver protocol on loopback.
//!
//! Where Chromium is not installed the test says so and passes, except under CI
//! (`CI` set), where a missing browser is a failure.

use paywire::client::{Client, ClientOptions};
use paywire_cli::demo::{send, Demo};
use paywire_sandbox::Gateway;
use serde_json::{json, Value};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

struct Driver {
    process: Child,
    url: String,
    client: Client,
    /// The browser profiles of this driver's sessions (a few MB each), removed with it.
    profiles: std::path::PathBuf,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
        let _ = std::fs::remove_dir_all(&self.profiles);
    }
}

impl Driver {
    async fn start() -> Driver {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let process = Command::new(CHROMEDRIVER)
            .args([format!("--port={port}"), "--allowed-ips=127.0.0.1".into()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let mut driver = Driver {
            process,
            url: format!("http://127.0.0.1:{port}"),
            // Starting Chromium for a session can take well over the gateway client's
            // default 15 s when the machine's two cores are busy with other tests.
            client: Client::with_options(ClientOptions {
                timeout: Duration::from_secs(90),
                ..ClientOptions::default()
            })
            .unwrap(),
            profiles: std::env::temp_dir().join(format!(
                "paywire-chromium-{}-{}",
                std::process::id(),
                paywire_sandbox::state::unix_now_nanos()
            )),
        };
        // Up to a minute: on a loaded two-core machine chromedriver has been seen to take
        // more than ten seconds to listen. A driver that exits fails at once.
        for _ in 0..600 {
            if driver.call("GET", "/status", None).await.is_some() {
                return driver;
            }
            if let Ok(Some(status)) = driver.process.try_wait() {
                panic!("chromedriver exited before it answered: {status}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("chromedriver did not answer on port {port} within a minute");
    }

    /// A headless Chromium session: its id.
    async fn session(&self) -> String {
        let profile = self
            .profiles
            .join(paywire_sandbox::state::unix_now_nanos().to_string());
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": CHROMIUM, "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage",
                format!("--user-data-dir={}", profile.display()),
            ]},
        }}});
        let session = self
            .call("POST", "/session", Some(capabilities))
            .await
            .expect("a WebDriver session");
        session["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("{session}"))
            .to_owned()
    }

    async fn call(&self, method: &str, path: &str, body: Option<Value>) -> Option<Value> {
        let request = http::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.url))
            .header("content-type", "application/json")
            .body(body.map(|b| b.to_string().into_bytes()).unwrap_or_default())
            .unwrap();
        let reply = send(&self.client, request).await.ok()?;
        serde_json::from_slice(&reply.body).ok()
    }

    /// Clicks the element `selector` finds on session `session`'s page.
    async fn click(&self, session: &str, selector: &str) {
        let find = json!({"using": "css selector", "value": selector});
        let found = self
            .call("POST", &format!("/session/{session}/element"), Some(find))
            .await
            .unwrap();
        let element = found["value"]
            .as_object()
            .and_then(|o| o.values().next())
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("nothing matches {selector}: {found}"))
            .to_owned();
        let click = format!("/session/{session}/element/{element}/click");
        self.call("POST", &click, Some(json!({}))).await.unwrap();
    }
}

/// Whether Chromium and ChromeDriver are here; under CI their absence fails the test.
fn browser_installed() -> bool {
    if std::path::Path::new(CHROMIUM).exists() && std::path::Path::new(CHROMEDRIVER).exists() {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "CI must install chromium and chromium-driver (see .ci/run)"
    );
    eprintln!("skipped: {CHROMIUM} or {CHROMEDRIVER} is not installed (apt-get install chromium chromium-driver)");
    false
}

/// Places a weidoufu order the merchant expects, unpaid: its merchant order number and
/// the sandbox's id for it.
async fn unpaid_order(demo: &Demo) -> (String, String) {
    let config = demo.sandbox.config().clone();
    let mut order = paywire_providers::weidoufu::sample();
    order.access_key = config.weidoufu.access_key.clone();
    order.out_order_no = demo.order_number();
    order.notify_url = demo.merchant.notify_url(Gateway::WEIDOUFU);
    // The merchant applies only payments of orders it placed, for their amount.
    demo.merchant.placed(
        Gateway::WEIDOUFU,
        &order.out_order_no,
        paywire_cli::merchant::PlacedOrder {
            amount: order.total_fee,
            currency: None,
            gateway_order: None,
        },
    );
    let request = paywire_providers::weidoufu::request(
        &demo.sandbox.base_url(Gateway::WEIDOUFU),
        &order,
        &paywire::Secret::new(config.weidoufu.secret_key.as_str()),
    )
    .unwrap();
    let reply = send(&Client::new().unwrap(), request).await.unwrap();
    let data = paywire_providers::weidoufu::read_answer(&reply.body).unwrap();
    (order.out_order_no, data.mch_trade_no)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cashier_page_pay_button_delivers_a_verified_notification() {
    if !browser_installed() {
        return;
    }
    let demo = Demo::start(0).await.unwrap();
    // Place an order without paying it: the browser pays.
    let (out_order_no, sandbox_id) = unpaid_order(&demo).await;

    let driver = Driver::start().await;
    let id = driver.session().await;
    let s = |path: &str| format!("/session/{id}{path}");

    driver
        .call(
            "POST",
            &s("/url"),
            Some(json!({"url": format!("{}/", demo.sandbox.url())})),
        )
        .await
        .unwrap();
    driver.click(&id, &format!("#pay-{sandbox_id}")).await;

    let applied = demo
        .merchant
        .wait_applied(Gateway::WEIDOUFU, &out_order_no, Duration::from_secs(15))
        .await;
    assert!(
        applied.is_some(),
        "the merchant verified and applied the notification; refused: {:?}",
        demo.merchant.refused()
    );
    // The form posts, the sandbox redirects back to the cashier, which now shows it paid.
    let mut source = String::new();
    for _ in 0..50 {
        source = driver.call("GET", &s("/source"), None).await.unwrap()["value"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        if source.contains(&format!("id=\"order-{sandbox_id}\" data-status=\"paid\"")) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        source.contains(&format!("id=\"order-{sandbox_id}\" data-status=\"paid\"")),
        "{source}"
    );

    // The paid order's Notify again button: the gateway's notification delivered once
    // more, acknowledged, and not applied again.
    let acknowledged = || {
        demo.sandbox
            .orders()
            .into_iter()
            .find(|o| o.id == sandbox_id)
            .map_or(0, |o| {
                o.deliveries.iter().filter(|d| d.acknowledged).count()
            })
    };
    let before = acknowledged();
    driver.click(&id, &format!("#notify-{sandbox_id}")).await;
    for _ in 0..100 {
        if acknowledged() > before {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        acknowledged(),
        before + 1,
        "one more delivery, acknowledged"
    );
    assert_eq!(demo.merchant.applied_twice(), 0, "and not applied again");
    let _ = driver.call("DELETE", &s(""), None).await;
}

/// A page on another origin (another port of 127.0.0.1: cross-origin, same site) that
/// tries to pay two sandbox orders: a form it submits and a `no-cors` fetch.
async fn hostile_page(sandbox: &str, form_order: &str, fetch_order: &str) -> String {
    let page = format!(
        "<!doctype html><html><body><form id=\"f\" method=\"post\" action=\"{sandbox}/_sandbox/orders/{form_order}/pay?redirect=1\"></form>\
         <script>fetch('{sandbox}/_sandbox/orders/{fetch_order}/pay', {{method: 'POST', mode: 'no-cors'}})\
         .finally(() => document.getElementById('f').submit());</script></body></html>"
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                continue;
            };
            let page = page.clone();
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = stream.read(&mut buf).await;
                let answer = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{page}",
                    page.len()
                );
                let _ = stream.write_all(answer.as_bytes()).await;
            });
        }
    });
    url
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_on_another_origin_cannot_pay_sandbox_orders() {
    if !browser_installed() {
        return;
    }
    let demo = Demo::start(0).await.unwrap();
    let (_, by_form) = unpaid_order(&demo).await;
    let (_, by_fetch) = unpaid_order(&demo).await;
    let page = hostile_page(&demo.sandbox.url(), &by_form, &by_fetch).await;

    let driver = Driver::start().await;
    let id = driver.session().await;
    let s = |path: &str| format!("/session/{id}{path}");
    driver
        .call("POST", &s("/url"), Some(json!({"url": page})))
        .await
        .unwrap();
    // The form submission navigates away from the page once the fetch has settled.
    let mut navigated = false;
    for _ in 0..100 {
        let url = driver.call("GET", &s("/url"), None).await.unwrap()["value"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        if url.starts_with(&demo.sandbox.url()) {
            navigated = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(navigated, "the hostile page submitted its form");
    tokio::time::sleep(Duration::from_millis(300)).await;
    for order in [&by_form, &by_fetch] {
        let kept = demo
            .sandbox
            .orders()
            .into_iter()
            .find(|o| &o.id == order)
            .unwrap();
        assert!(!kept.paid, "a cross-origin request paid {order}");
    }
    let _ = driver.call("DELETE", &s(""), None).await;
}
