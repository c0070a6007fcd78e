//! Notification deliveries are bounded: however many orders are paid at once, the sandbox
//! has at most its pool's worth of connections open to merchants, counted in the kernel's
//! socket tables, and every notification still arrives; so too when the merchant answers
//! slower than the delivery timeout, or closes some of its connections.

use paywire_cli::sockets::PeakConnections;
use paywire_sandbox::notify::{self, Ack, Outgoing};
use paywire_sandbox::state::{Gateway, Order, Orders};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A merchant that answers `success` to every request, a while after it arrives, and
/// closes the connection.
async fn slow_merchant(delay: Duration) -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                continue;
            };
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut buf = [0u8; 4096];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                tokio::time::sleep(delay).await;
                let _ = stream
                    .write_all(
                        b"HTTP/1.1 200 OK\r\ncontent-length: 7\r\nconnection: close\r\n\r\nsuccess",
                    )
                    .await;
            });
        }
    });
    port
}

fn paid_order(id: &str, port: u16) -> Order {
    Order {
        id: id.into(),
        gateway: Gateway::SWIFTPASS,
        out_trade_no: id.into(),
        amount_fen: 1,
        notify_url: Some(format!("http://127.0.0.1:{port}/notify")),
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
    }
}

/// Delivers `count` notifications at once to the merchant on `port` through a pool set
/// by `retry`, until `settled` holds for every order (`within` at most): the most
/// connections open to the merchant meanwhile, counted in the kernel's socket tables.
async fn peak_while_delivering(
    port: u16,
    retry: paywire_sandbox::config::RetryConfig,
    count: usize,
    settled: impl Fn(&Order) -> bool,
    within: Duration,
) -> usize {
    let orders = Arc::new(Orders::default());
    let deliveries = notify::Deliveries::start(orders.clone(), retry);
    let peak = PeakConnections::start(port);
    for n in 0..count {
        let id = format!("D{n:03}");
        let _ = orders.place(paid_order(&id, port));
        let outgoing = Outgoing {
            url: format!("http://127.0.0.1:{port}/notify"),
            content_type: "text/xml",
            headers: notify::Headers::Fixed(Vec::new()),
            body: b"<xml></xml>".to_vec(),
            ack: Ack::Text("success"),
        };
        deliveries.send(id, outgoing);
    }
    let deadline = tokio::time::Instant::now() + within;
    while !orders.all().iter().all(&settled) {
        assert!(tokio::time::Instant::now() < deadline, "not all delivered");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    peak.finish().expect("the socket tables are readable")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paying_many_orders_at_once_opens_at_most_the_pool_size_of_connections() {
    let port = slow_merchant(Duration::from_millis(300)).await;
    let retry = paywire_sandbox::config::RetryConfig {
        workers: 4,
        ..Default::default()
    };
    let acknowledged = |o: &Order| o.acknowledged;
    let peak = peak_while_delivering(port, retry, 64, acknowledged, Duration::from_secs(30)).await;
    println!("64 paid at once: at most {peak} connections open to the merchant");
    assert!(peak <= retry.workers, "{peak} connections open at once");
    assert!(peak > 0, "the sampler saw the deliveries");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_merchant_slower_than_the_delivery_timeout_holds_at_most_the_pool_size_of_connections() {
    // Every attempt times out long before the merchant answers: a timed-out attempt's
    // connection must close, not stay open beside the next attempt's.
    let port = slow_merchant(Duration::from_secs(30)).await;
    let retry = paywire_sandbox::config::RetryConfig {
        workers: 4,
        timeout_ms: 100,
        first_delay_ms: 10,
        max_delay_ms: 10,
        max_attempts: 3,
    };
    let attempted = |o: &Order| o.deliveries.len() as u32 >= retry.max_attempts;
    let peak = peak_while_delivering(port, retry, 16, attempted, Duration::from_secs(20)).await;
    println!("16 deliveries to a merchant that never answers in time: at most {peak} connections");
    assert!(peak <= retry.workers, "{peak} connections open at once");
}

/// A merchant that answers `success` after 2 ms on kept-alive connections, and closes
/// every second connection after its answer, as a server recycling its connections does:
/// a delivery then needs a new connection while other connections come free.
async fn recycling_merchant() -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let served = Arc::new(std::sync::atomic::AtomicU64::new(0));
    tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                continue;
            };
            let served = served.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 65536];
                let mut pending = Vec::new();
                loop {
                    match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => pending.extend_from_slice(&buf[..n]),
                    }
                    while let Some(end) = pending.windows(4).position(|w| w == b"\r\n\r\n") {
                        let head = String::from_utf8_lossy(&pending[..end]).to_lowercase();
                        let length: usize = head
                            .lines()
                            .find_map(|l| l.strip_prefix("content-length:"))
                            .and_then(|v| v.trim().parse().ok())
                            .unwrap_or(0);
                        if pending.len() < end + 4 + length {
                            break;
                        }
                        pending.drain(..end + 4 + length);
                        tokio::time::sleep(Duration::from_millis(2)).await;
                        let n = served.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let close = n.is_multiple_of(2);
                        let answer: &[u8] = if close {
                            b"HTTP/1.1 200 OK\r\ncontent-length: 7\r\nconnection: close\r\n\r\nsuccess"
                        } else {
                            b"HTTP/1.1 200 OK\r\ncontent-length: 7\r\n\r\nsuccess"
                        };
                        if stream.write_all(answer).await.is_err() || close {
                            return;
                        }
                    }
                }
            });
        }
    });
    port
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_to_a_merchant_recycling_connections_holds_at_most_the_pool_size_of_them() {
    // A connection the HTTP client kept for the next call, or finished opening after the
    // call took another one, is open all the same: idle connections count.
    let port = recycling_merchant().await;
    let retry = paywire_sandbox::config::RetryConfig {
        workers: 4,
        ..Default::default()
    };
    let acknowledged = |o: &Order| o.acknowledged;
    let peak = peak_while_delivering(port, retry, 400, acknowledged, Duration::from_secs(30)).await;
    println!("400 at once to a merchant recycling connections: at most {peak} connections");
    assert!(peak <= retry.workers, "{peak} connections open at once");
}
