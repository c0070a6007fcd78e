//! The sandbox never delivers off the machine. Inside a network namespace this test makes
//! (`unshare -n`), a second address on `lo` stands for "somewhere else" with a listener on
//! it: orders naming it (or a host name, or the cloud metadata address) are refused with
//! the gateway's own parameter error naming `notify_url`, a delivery aimed at it directly
//! is not made, and the listener never sees a connection. `localhost` still works and is
//! sent to 127.0.0.1 without asking a resolver.

use paywire::client::Client;
use paywire::{Fen, Secret};
use paywire_providers::{swiftpass, weidoufu};
use paywire_sandbox::notify::{self, Ack, Outgoing};
use paywire_sandbox::state::{Order, Orders};
use paywire_sandbox::{Gateway, Sandbox, SandboxConfig};
use std::io::Read;
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

const INSIDE: &str = "PAYWIRE_TEST_IN_NETNS";
const ELSEWHERE: &str = "10.200.0.1";

#[test]
fn the_sandbox_delivers_to_loopback_only_even_where_another_address_answers() {
    if std::env::var_os(INSIDE).is_some() {
        return; // this is the inner run's own copy of the outer test
    }
    let available = std::process::Command::new("unshare")
        .args(["-n", "true"])
        .status()
        .is_ok_and(|s| s.success());
    if !available {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI runs as root with unshare"
        );
        eprintln!("skipped: cannot make a network namespace here (unshare -n)");
        return;
    }
    let me = std::env::current_exe().unwrap();
    let output = std::process::Command::new("unshare")
        .arg("-n")
        .arg(&me)
        .args([
            "--exact",
            "inside_a_fresh_network_namespace",
            "--ignored",
            "--nocapture",
        ])
        .env(INSIDE, "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains("1 passed"),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn ip(args: &[&str]) {
    let status = std::process::Command::new("ip")
        .args(args)
        .status()
        .unwrap();
    assert!(status.success(), "ip {args:?}");
}

/// A listener that counts the connections it accepts.
fn counting_listener(addr: &str) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind(addr).unwrap();
    let port = listener.local_addr().unwrap().port();
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            counter.fetch_add(1, Ordering::SeqCst);
            let _ = stream.set_read_timeout(Some(Duration::from_millis(200)));
            let _ = stream.read(&mut [0u8; 1024]);
        }
    });
    (format!("{addr}:{port}").replace(":0:", ":"), hits)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run by the test above inside a network namespace it makes"]
async fn inside_a_fresh_network_namespace() {
    assert!(std::env::var_os(INSIDE).is_some(), "run inside unshare -n");
    ip(&["link", "set", "lo", "up"]);
    ip(&["addr", "add", &format!("{ELSEWHERE}/32"), "dev", "lo"]);
    let (elsewhere, hits) = counting_listener(&format!("{ELSEWHERE}:0"));
    let (local, local_hits) = counting_listener("127.0.0.1:0");
    let local_port = local.rsplit(':').next().unwrap().to_owned();

    let config = SandboxConfig::default();
    let sandbox = Sandbox::start(config.clone(), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let client = Client::new().unwrap();
    let swiftpass_key = Secret::new(config.swiftpass.key.as_str());
    let weidoufu_key = Secret::new(config.weidoufu.secret_key.as_str());
    for (n, url) in [
        format!("http://{elsewhere}/notify"),
        "http://169.254.169.254/latest/meta-data".to_owned(),
        "http://merchant.example/notify".to_owned(),
    ]
    .into_iter()
    .enumerate()
    {
        let mut order = paywire_providers::swiftpass::sample();
        order.mch_id = config.swiftpass.mch_id.clone();
        order.out_trade_no = format!("NS{n}");
        order.notify_url = url.clone();
        let request = paywire_providers::swiftpass::request(
            &swiftpass::gateway_url(&sandbox.base_url(Gateway::SWIFTPASS)),
            &order,
            &swiftpass_key,
        )
        .unwrap();
        let answer = client.send(request).await.unwrap();
        let key = swiftpass::VerifyKey::Md5(swiftpass_key.clone());
        match swiftpass::verify_response(answer.body(), &key) {
            Err(swiftpass::SwiftpassError::Status { message, .. }) => {
                let message = message.unwrap_or_default();
                assert!(
                    message.contains("notify_url") && message.contains("loopback"),
                    "{message}"
                );
            }
            other => panic!("{url}: {other:?}"),
        }
        let mut order = paywire_providers::weidoufu::sample();
        order.access_key = config.weidoufu.access_key.clone();
        order.out_order_no = format!("NSWEIDOUFU00000000{n}");
        order.notify_url = url.clone();
        let request = paywire_providers::weidoufu::request(
            &sandbox.base_url(Gateway::WEIDOUFU),
            &order,
            &weidoufu_key,
        )
        .unwrap();
        let answer = client.send(request).await.unwrap();
        let err = weidoufu::read_answer(answer.body())
            .unwrap_err()
            .to_string();
        assert!(err.contains("notify_url"), "{url}: {err}");
    }
    assert!(sandbox.orders().is_empty(), "no order was placed");

    // A delivery aimed off the machine directly (as if an order had slipped through) is
    // not made; one to localhost is made, to 127.0.0.1.
    let orders = Arc::new(Orders::default());
    let retry = paywire_sandbox::config::RetryConfig {
        first_delay_ms: 10,
        max_delay_ms: 10,
        max_attempts: 2,
        timeout_ms: 300,
        workers: 2,
    };
    let deliveries = notify::Deliveries::start(orders.clone(), retry);
    for (id, url) in [
        ("off", format!("http://{elsewhere}/notify")),
        ("local", format!("http://localhost:{local_port}/notify")),
    ] {
        let order = Order {
            id: id.into(),
            gateway: Gateway::SWIFTPASS,
            out_trade_no: id.into(),
            amount_fen: Fen::new(1).get(),
            notify_url: Some(url.clone()),
            code_url: None,
            transaction_id: String::new(),
            paid: true,
            paid_at: None,
            closed: false,
            failed: false,
            refunds: Vec::new(),
            deliveries: Vec::new(),
            deliveries_not_kept: 0,
            acknowledged: false,
            extra: Default::default(),
            fingerprint: id.into(),
        };
        let _ = orders.place(order);
        let outgoing = Outgoing {
            url,
            content_type: "text/plain",
            headers: notify::Headers::Fixed(Vec::new()),
            body: b"x".to_vec(),
            ack: Ack::Text("success"),
        };
        deliveries.send(id.into(), outgoing);
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let off = orders.get("off").unwrap();
    assert_eq!(off.deliveries.len(), 2);
    assert!(
        off.deliveries.iter().all(|d| d.answer.contains("loopback")),
        "{off:?}"
    );
    assert!(
        local_hits.load(Ordering::SeqCst) >= 1,
        "localhost reached 127.0.0.1"
    );
    assert_eq!(
        hits.load(Ordering::SeqCst),
        0,
        "nothing reached {elsewhere}"
    );
}
