//! What the ledger's tests share: payments, the merchant's own table (a counter that a
//! second application would show), and real database servers.

#![allow(dead_code)] // each test binary uses part of it

use paywire::ledger::{Expected, MustMatch, OrderKey, Payment};
use paywire::Fen;
use paywire_sandbox::mariadb_server::MariadbServer;
use paywire_sandbox::postgres_server::PostgresServer;

/// A paid notification's payment for `order`, as a gateway's `payment()` builds it.
pub fn payment(order: &str, fen: u64, gateway_order: &str) -> Payment {
    Payment {
        key: OrderKey::new("swiftpass", order),
        order: order.to_owned(),
        amount: Fen::new(fen),
        currency: None,
        gateway_order: Some(gateway_order.to_owned()),
        must_match: MustMatch::default(),
    }
}

/// What the merchant knows of an order placed for `fen`.
pub fn expected(fen: u64) -> Expected<'static> {
    Expected {
        amount: Fen::new(fen),
        currency: None,
        gateway_order: None,
    }
}

/// The merchant's own table: `applied` counts how often a payment was written, so a
/// ledger that let one through twice shows 2.
pub const SHOP_TABLE: &str =
    "CREATE TABLE shop_orders (out_trade_no TEXT PRIMARY KEY, applied BIGINT NOT NULL DEFAULT 0)";

/// A PostgreSQL server of the test's own; `None` where PostgreSQL is not installed,
/// which fails under CI (its `.ci/run` installs it).
pub fn postgres_server() -> Option<PostgresServer> {
    if !PostgresServer::installed() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install postgresql (see .ci/run)"
        );
        eprintln!("skipped: PostgreSQL is not installed (apt-get install postgresql)");
        return None;
    }
    Some(PostgresServer::start().expect("postgres starts on loopback"))
}

/// A MariaDB server of the test's own; `None` where MariaDB is not installed, which fails
/// under CI (its `.ci/run` installs it).
pub fn mariadb_server() -> Option<MariadbServer> {
    if !MariadbServer::installed() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install mariadb-server (see .ci/run)"
        );
        eprintln!("skipped: MariaDB is not installed (apt-get install mariadb-server)");
        return None;
    }
    Some(MariadbServer::start().expect("mariadbd starts on loopback"))
}
