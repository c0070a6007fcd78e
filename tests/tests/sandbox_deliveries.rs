//! Notification deliveries are bounded: however many orders are paid at once, the sandbox
//! has at most its pool's worth of connections open to merchants, counted in the kernel's
//! socket tables, and every notification still arrives.

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
        acknowledged: false,
        extra: Default::default(),
        fingerprint: id.into(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paying_many_orders_at_once_opens_at_most_the_pool_size_of_connections() {
    let port = slow_merchant(Duration::from_millis(300)).await;
    let orders = Arc::new(Orders::default());
    let retry = paywire_sandbox::config::RetryConfig {
        workers: 4,
        ..Default::default()
    };
    let deliveries = notify::Deliveries::start(orders.clone(), retry);
    let paid = 64;
    let peak = PeakConnections::start(port);
    for n in 0..paid {
        let id = format!("D{n:03}");
        let _ = orders.place(paid_order(&id, port));
        let outgoing = Outgoing {
            url: format!("http://127.0.0.1:{port}/notify"),
            content_type: "text/xml",
            headers: Vec::new(),
            body: b"<xml></xml>".to_vec(),
            ack: Ack::Text("success"),
        };
        deliveries.send(id, outgoing);
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while orders.all().iter().any(|o| !o.acknowledged) {
        assert!(tokio::time::Instant::now() < deadline, "not all delivered");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let peak = peak.finish().expect("the socket tables are readable");
    println!("{paid} paid at once: at most {peak} connections open to the merchant");
    assert!(peak <= retry.workers, "{peak} connections open at once");
    assert!(peak > 0, "the sampler saw the deliveries");
}
