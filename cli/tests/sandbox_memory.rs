//! The sandbox's memory stays bounded, measured on the real `paywire sandbox` process
//! (its `VmRSS` and peak `VmHWM` in `/proc`): 20 000 orders with a 128-byte `attach` and
//! a cashier page load after them, and 400 XorPay orders each carrying 200 KB in `more`,
//! stay under 150 MB; orders past the storage bounds are refused with the gateway's own
//! error, and every order accepted is still listed.

use paywire::client::Client;
use paywire::Secret;
use paywire_providers::{swiftpass, xorpay};
use paywire_sandbox::SandboxConfig;
use std::sync::Arc;

mod common;
use common::SandboxProcess;

/// The memory limit the sandbox must stay under, in kB.
const LIMIT_KB: u64 = 150 * 1024;

/// `VmRSS` and `VmHWM` (the peak) of the process, in kB.
fn memory_kb(sandbox: &SandboxProcess) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{}/status", sandbox.child.id())).unwrap();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|kb| kb.parse::<u64>().ok())
            .unwrap_or_else(|| panic!("no {name} in /proc status"))
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// Runs `count` calls of `call(n)`, `parallel` at a time; the answers' bodies in order.
async fn in_parallel<F, Fut>(count: usize, parallel: usize, call: F) -> Vec<Vec<u8>>
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Vec<u8>> + Send,
{
    let call = Arc::new(call);
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..parallel {
        let (call, next) = (call.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let mut done = Vec::new();
            loop {
                let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if n >= count {
                    return done;
                }
                done.push((n, call(n).await));
            }
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.unwrap());
    }
    all.sort_by_key(|(n, _)| *n);
    all.into_iter().map(|(_, body)| body).collect()
}

/// `GET url`: the status and body.
async fn get(client: &Client, url: &str) -> (u16, Vec<u8>) {
    let request = http::Request::get(url).body(Vec::new()).unwrap();
    let answer = client.send(request).await.unwrap();
    (answer.status().as_u16(), answer.body().clone())
}

fn listed_total(body: &[u8]) -> u64 {
    let page: serde_json::Value = serde_json::from_slice(body).unwrap();
    page["total"].as_u64().unwrap()
}

#[test]
#[cfg(target_os = "linux")]
fn twenty_thousand_orders_and_the_cashier_page_stay_under_150_mb() {
    let sandbox = SandboxProcess::start();
    let config = SandboxConfig::default();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let client = Client::new().unwrap();
    let gateway = swiftpass::gateway_url(&format!("{}/swiftpass", sandbox.url));
    let key = Secret::new(config.swiftpass.key.as_str());
    let mch_id = config.swiftpass.mch_id.clone();
    let count = 20_000;
    let answers = runtime.block_on({
        let client = client.clone();
        in_parallel(count, 8, move |n| {
            let mut order = paywire_providers::swiftpass::sample();
            order.mch_id = mch_id.clone();
            order.out_trade_no = format!("MEM{n:08}");
            order.notify_url = "http://127.0.0.1:9/notify".into();
            order.attach = Some(format!("{n:0>128}"));
            let request = paywire_providers::swiftpass::request(&gateway, &order, &key).unwrap();
            let client = client.clone();
            let key = key.clone();
            async move {
                let answer = client.send(request).await.unwrap();
                let verified =
                    swiftpass::verify_response(answer.body(), &swiftpass::VerifyKey::Md5(key));
                assert!(verified.is_ok(), "{verified:?}");
                answer.body().clone()
            }
        })
    });
    assert_eq!(answers.len(), count);
    let (after_orders, _) = memory_kb(&sandbox);
    let (status, page) = runtime.block_on(get(&client, &format!("{}/", sandbox.url)));
    assert_eq!(status, 200);
    let (_, peak) = memory_kb(&sandbox);
    let (_, listing) = runtime.block_on(get(
        &client,
        &format!("{}/_sandbox/orders?limit=1", sandbox.url),
    ));
    println!(
        "{count} orders with a 128-byte attach: RSS {} MB; peak after the cashier page ({} KB of HTML) {} MB",
        after_orders / 1024,
        page.len() / 1024,
        peak / 1024
    );
    assert!(
        after_orders < LIMIT_KB,
        "RSS {after_orders} kB after the orders"
    );
    assert!(peak < LIMIT_KB, "peak {peak} kB with the cashier page");
    assert_eq!(listed_total(&listing), count as u64, "every order kept");
}

#[test]
#[cfg(target_os = "linux")]
fn large_orders_are_refused_past_the_bound_and_none_accepted_is_lost() {
    let sandbox = SandboxProcess::start();
    let config = SandboxConfig::default();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let client = Client::new().unwrap();
    let base = format!("{}/xorpay", sandbox.url);
    let secret = Secret::new(config.xorpay.app_secret.as_str());
    let aid = config.xorpay.aid.clone();
    let more = "m".repeat(200 * 1024);
    let count = 400;
    let answers = runtime.block_on({
        let client = client.clone();
        in_parallel(count, 4, move |n| {
            let mut order = paywire_providers::xorpay::sample();
            order.aid = aid.clone();
            order.order_id = format!("BIG{n:05}");
            order.notify_url = "http://127.0.0.1:9/notify".into();
            order.more = Some(more.clone());
            let request = paywire_providers::xorpay::request(&base, &order, &secret).unwrap();
            let client = client.clone();
            async move { client.send(request).await.unwrap().body().clone() }
        })
    });
    let mut accepted = 0;
    for body in &answers {
        match xorpay::read_answer(body) {
            Ok(_) => accepted += 1,
            Err(e) => assert!(e.to_string().contains("wechat_api_error"), "{e}"),
        }
    }
    let (rss, peak) = memory_kb(&sandbox);
    let (_, listing) = runtime.block_on(get(
        &client,
        &format!("{}/_sandbox/orders?limit=1", sandbox.url),
    ));
    println!(
        "{count} orders with 200 KB in `more`: {accepted} accepted, the rest refused; RSS {} MB, peak {} MB",
        rss / 1024,
        peak / 1024
    );
    assert!(peak < LIMIT_KB, "peak {peak} kB");
    assert_eq!(
        listed_total(&listing),
        accepted,
        "every accepted order kept"
    );
    assert!(accepted > 0);

    // Lookups by a number the book keeps no index for (a refund number), eight at once,
    // with the book full: each must look through the orders, not copy them all.
    let gateway = swiftpass::gateway_url(&format!("{}/swiftpass", sandbox.url));
    let key = paywire::sign::SignTypeKey::Md5(Secret::new(config.swiftpass.key.as_str()));
    let mch_id = config.swiftpass.mch_id.clone();
    let lookups = runtime.block_on(in_parallel(32, 8, move |n| {
        let query = swiftpass::RefundQuery {
            version: None,
            charset: None,
            sign_type: None,
            mch_id: mch_id.clone(),
            refund_id: None,
            out_refund_no: Some(format!("NOREFUND{n}")),
            transaction_id: None,
            out_trade_no: None,
            nonce_str: format!("n{n}"),
        };
        let request = swiftpass::lifecycle_request(&gateway, &query, &key).unwrap();
        let client = client.clone();
        async move { client.send(request).await.unwrap().body().clone() }
    }));
    assert!(
        lookups.iter().all(|b| !b.is_empty()),
        "every lookup answered"
    );
    let (_, peak) = memory_kb(&sandbox);
    println!(
        "32 refund lookups, 8 at once, over a full book: peak {} MB",
        peak / 1024
    );
    assert!(peak < LIMIT_KB, "peak {peak} kB after the lookups");

    // The listing's largest pages, eight at once, over the same full book: each answer is
    // built where the orders are kept (the listing leaves out what the notifications
    // carry, such as `more`), not from a copy of them.
    let host = sandbox.url.trim_start_matches("http://").to_owned();
    let pages = runtime.block_on(in_parallel(8, 8, move |_| {
        let host = host.clone();
        async move { get_raw(&host, "/_sandbox/orders?limit=1000").await }
    }));
    let (_, peak) = memory_kb(&sandbox);
    let sizes: Vec<usize> = pages.iter().map(Vec::len).collect();
    println!(
        "8 listings of up to 1 000 orders at once over a full book: answers of {:?} KB, peak {} MB",
        sizes.iter().map(|b| b / 1024).collect::<Vec<_>>(),
        peak / 1024
    );
    assert!(peak < LIMIT_KB, "peak {peak} kB after the listings");
}

/// `GET path` from the server at `host` over a connection of its own, read to its end:
/// the whole answer, however large (a client's answer limit would cut it off).
async fn get_raw(host: &str, path: &str) -> Vec<u8> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(host).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    answer
}
