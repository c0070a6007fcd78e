//! A notification endpoint to load from outside (`axum-notify/benches/throughput.sh`
//! drives it with wrk): SwiftPass notifications verified and applied once through
//! `paywire-axum` with the ledger named on the command line, or a fixed `200 success`
//! (the ceiling of axum on this machine).
//!
//! ```sh
//! cargo run --release -p paywire-axum --example throughput -- bodies 20000 > bodies.txt
//! cargo run --release -p paywire-axum --example throughput -- serve memory 127.0.0.1:3900
//! ```
//!
//! Ledgers: `fixed`, `body` (the fixed answer after reading the body), `floor` (a hand-written minimal verifier, no ledger), `verify` (verified and answered, no ledger: the cost of verifying),
//! `memory`, `redis` (a `redis-server` of its own), `sqlite` (a file in
//! a temporary folder), `postgres` (a PostgreSQL cluster of its own).

#[path = "../../providers/benches/swiftpass_floor.rs"]
mod swiftpass_floor;

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use paywire::ledger::{Ledger, Payment};
use paywire::schema::HexCase;
use paywire::sign::md5_hex;
use paywire::{Fen, Secret};
use paywire_axum::{Notifications, Order, Shop, SqlShop};
use paywire_providers::swiftpass::{self, VerifyKey};
use sqlx::{Postgres, Sqlite, Transaction};

const KEY: &str = "61307e5f2aebcacecbcca6fe5296df9c";

/// Every order is known, for 100 fen; the write returns at once.
struct Instant;

impl Shop for Instant {
    async fn order(&self, _: &Payment) -> Option<Order> {
        Some(Order::new(Fen::new(100)))
    }
    async fn apply(&self, _: &Payment) -> Result<(), String> {
        Ok(())
    }
}

/// The same shop with a one-row write in its transaction.
macro_rules! sql_write {
    ($db:ty, $insert:literal) => {
        impl SqlShop<$db> for Instant {
            async fn order(&self, _: &Payment) -> Option<Order> {
                Some(Order::new(Fen::new(100)))
            }
            async fn apply(
                &self,
                tx: &mut Transaction<'static, $db>,
                payment: &Payment,
            ) -> Result<(), String> {
                sqlx::query($insert)
                    .bind(&payment.order)
                    .execute(&mut **tx)
                    .await
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            }
        }
    };
}
sql_write!(Sqlite, "INSERT INTO paid (out_trade_no) VALUES (?1)");
sql_write!(Postgres, "INSERT INTO paid (out_trade_no) VALUES ($1)");

/// `n` distinct signed SwiftPass payment notifications, one per line.
fn bodies(n: u32) {
    for i in 0..n {
        let members = format!(
            "mch_id=7551000001&nonce_str=n{i}&out_trade_no=T{i:08}&pay_result=0&result_code=0\
             &status=0&time_end=20240301120000&total_fee=100&transaction_id=42{i:026}"
        );
        let sign = md5_hex(format!("{members}&key={KEY}").as_bytes(), HexCase::Upper);
        let mut xml = String::from("<xml>");
        for pair in members.split('&') {
            if let Some((k, v)) = pair.split_once('=') {
                xml += &format!("<{k}>{v}</{k}>");
            }
        }
        println!("{xml}<sign>{sign}</sign></xml>");
    }
}

async fn serve(ledger: &str, addr: &str) -> Result<(), Box<dyn std::error::Error>> {
    let key = || VerifyKey::Md5(Secret::new(KEY));
    let folder = std::env::temp_dir().join(format!("paywire-throughput-{}", std::process::id()));
    let mut _redis = None;
    let mut _postgres = None;
    let routes = match ledger {
        "fixed" => axum::Router::new().route("/swiftpass", post(|| async { "success" })),
        // The fixed answer after the whole body is read, as every other row reads it.
        "body" => axum::Router::new().route(
            "/swiftpass",
            post(|body: Bytes| async move {
                std::hint::black_box(body);
                "success"
            }),
        ),
        "floor" => {
            // The floor of verifying: borrowed elements, sorted, MD5 (no strictness, no
            // rules, no typed value, no ledger).
            let floor = |body: Bytes| async move {
                if swiftpass_floor::floor(&body, KEY) {
                    (StatusCode::OK, "success")
                } else {
                    (StatusCode::UNAUTHORIZED, "fail")
                }
            };
            axum::Router::new().route("/swiftpass", post(floor))
        }
        "verify" => {
            // Verified, then answered, with no ledger and no shop: what verifying costs.
            let receiver = std::sync::Arc::new(swiftpass::receiver(key()));
            let verify = move |headers: HeaderMap, body: Bytes| async move {
                match receiver.verify(&headers, &body, 0) {
                    Ok(_) => (StatusCode::OK, "success"),
                    Err(_) => (StatusCode::UNAUTHORIZED, "fail"),
                }
            };
            axum::Router::new().route("/swiftpass", post(verify))
        }
        "memory" => Notifications::new(Instant, Ledger::in_memory())
            .receive(swiftpass::receiver(key()))
            .router(),
        "redis" => {
            let server = paywire_sandbox::redis_server::RedisServer::start()?;
            let store = paywire::ledger::RedisLedger::new(&server.url, "bench:")?;
            _redis = Some(server);
            Notifications::new(Instant, Ledger::new(store))
                .receive(swiftpass::receiver(key()))
                .router()
        }
        "sqlite" => {
            std::fs::create_dir_all(&folder)?;
            let options = sqlx::sqlite::SqliteConnectOptions::new()
                .filename(folder.join("shop.db"))
                .create_if_missing(true)
                .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sqlx::sqlite::SqliteSynchronous::Normal);
            let pool = sqlx::sqlite::SqlitePoolOptions::new()
                .max_connections(4)
                .connect_with(options)
                .await?;
            paywire_sqlx::migrate(&pool).await?;
            sqlx::query("CREATE TABLE paid (out_trade_no TEXT)")
                .execute(&pool)
                .await?;
            Notifications::in_transaction(Instant, pool)
                .receive(swiftpass::receiver(key()))
                .router()
        }
        "postgres" => {
            let server = paywire_sandbox::postgres_server::PostgresServer::start()?;
            let pool = sqlx::postgres::PgPoolOptions::new()
                .max_connections(16)
                .connect(&server.url)
                .await?;
            _postgres = Some(server);
            paywire_sqlx::migrate(&pool).await?;
            sqlx::query("CREATE TABLE paid (out_trade_no TEXT)")
                .execute(&pool)
                .await?;
            Notifications::in_transaction(Instant, pool)
                .receive(swiftpass::receiver(key()))
                .router()
        }
        other => return Err(format!("unknown ledger {other}").into()),
    };
    let listener = tokio::net::TcpListener::bind(addr).await?;
    eprintln!("serving {ledger} on {addr}");
    let served = axum::serve(listener, routes).with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    });
    let result = served.await;
    let _ = std::fs::remove_dir_all(folder);
    Ok(result?)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["bodies", n] => {
            bodies(n.parse()?);
            Ok(())
        }
        ["serve", ledger, addr] => serve(ledger, addr).await,
        _ => Err("usage: throughput bodies N | throughput serve LEDGER ADDR".into()),
    }
}
