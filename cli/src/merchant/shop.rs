//! The merchant's side of `paywire-axum`: its orders, and a write that counts how often
//! each payment was written (deliberately not idempotent, so a ledger that let a payment
//! through twice shows up as `applied_twice`), failing on purpose inside the write; and a
//! count of each refund success written, failing alike (in memory with a separate
//! ledger, in the shop's table `soak_refunded` with the SQL ledger).

use super::faults::{Draw, Fault, FaultCounts};
use super::{lock, Applied, PlacedOrder};
use paywire::ledger::{Payment, RefundOutcome};
use paywire_axum::{Order, Shop, SqlShop};
use paywire_sandbox::Gateway;
use sqlx::{MySql, Postgres, Sqlite, Transaction};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What every instance shares: the orders placed, the writes of a separate-ledger
/// merchant (in memory), and the counters.
#[derive(Default)]
pub struct Books {
    /// Orders placed, by gateway and number.
    pub placed: Mutex<HashMap<(Gateway, String), PlacedOrder>>,
    /// How many times each payment was written, with what was written.
    pub applied: Mutex<HashMap<(Gateway, String), (Applied, u32)>>,
    /// How many times each fault fired.
    pub faults: Mutex<FaultCounts>,
    /// How many times each refund's success was written, by gateway and refund number.
    pub refunds: Mutex<HashMap<(Gateway, String), u32>>,
}

impl Books {
    fn order(&self, payment: &Payment) -> Option<Order> {
        let gateway = Gateway::named(payment.key.gateway())?;
        let placed = lock(&self.placed)
            .get(&(gateway, payment.order.clone()))
            .cloned()?;
        let mut order = Order::new(placed.amount);
        order.currency = placed.currency;
        order.gateway_order = placed.gateway_order;
        Some(order)
    }
}

/// A panic message of a fault, which the soak's panic hook keeps quiet.
pub const FAULT_PANIC: &str = "soak fault:";

/// One instance's shop: the shared books, and its own draw of faults in the write.
pub struct InstanceShop {
    books: Arc<Books>,
    draw: Draw,
    hang: Duration,
}

impl InstanceShop {
    pub fn new(books: Arc<Books>, draw: Draw, hang: Duration) -> Self {
        InstanceShop { books, draw, hang }
    }

    /// The fault of this write, counted; an `Err` for a write that fails before it
    /// happens, a panic for an instance that dies before it.
    fn before_write(&self) -> Result<Option<Fault>, String> {
        let fault = self.draw.next();
        if let Some(fault) = fault {
            lock(&self.books.faults).count(fault);
        }
        match fault {
            Some(Fault::ApplyError) => Err("database write failed".into()),
            Some(Fault::Crash) => panic!("{FAULT_PANIC} the instance dies before its write"),
            other => Ok(other),
        }
    }

    /// After the write: a slow database, or a death or panic before the commit.
    async fn after_write(&self, fault: Option<Fault>) {
        match fault {
            Some(Fault::SlowApply) => tokio::time::sleep(self.hang).await,
            Some(Fault::CrashAfterWrite) => {
                panic!("{FAULT_PANIC} the instance dies after its write")
            }
            Some(Fault::PanicAfterWrite) => {
                panic!("{FAULT_PANIC} the write panics after it happened")
            }
            _ => {}
        }
    }
}

impl Shop for InstanceShop {
    async fn order(&self, payment: &Payment) -> Option<Order> {
        self.books.order(payment)
    }

    async fn apply(&self, payment: &Payment) -> Result<(), String> {
        let fault = self.before_write()?;
        let gateway = Gateway::named(payment.key.gateway()).ok_or("unknown gateway")?;
        let written = Applied {
            gateway,
            out_trade_no: payment.order.clone(),
            amount_fen: payment.amount.get(),
        };
        lock(&self.books.applied)
            .entry((gateway, payment.order.clone()))
            .or_insert((written, 0))
            .1 += 1;
        self.after_write(fault).await;
        Ok(())
    }

    async fn refunded(&self, refund: &RefundOutcome) -> Result<(), String> {
        let fault = self.before_write()?;
        let gateway = Gateway::named(refund.order.gateway()).ok_or("unknown gateway")?;
        *lock(&self.books.refunds)
            .entry((gateway, refund.refund_no.clone()))
            .or_default() += 1;
        self.after_write(fault).await;
        Ok(())
    }
}

/// The merchant's tables in its SQL database: one row per payment written and one per
/// refund success written, `writes` counting the writes.
pub const SOAK_TABLE: &str = "CREATE TABLE IF NOT EXISTS soak_applied (\
     gateway TEXT NOT NULL, out_trade_no TEXT NOT NULL, amount_fen BIGINT NOT NULL, \
     writes BIGINT NOT NULL, PRIMARY KEY (gateway, out_trade_no)); \
     CREATE TABLE IF NOT EXISTS soak_refunded (\
     gateway TEXT NOT NULL, out_refund_no TEXT NOT NULL, \
     writes BIGINT NOT NULL, PRIMARY KEY (gateway, out_refund_no))";

/// [`SOAK_TABLE`] in MariaDB, whose keys are sized text compared byte for byte.
pub const SOAK_TABLE_MARIADB: &str = "CREATE TABLE IF NOT EXISTS soak_applied (\
     gateway VARCHAR(64) COLLATE utf8mb4_nopad_bin NOT NULL, \
     out_trade_no VARCHAR(128) COLLATE utf8mb4_nopad_bin NOT NULL, amount_fen BIGINT NOT NULL, \
     writes BIGINT NOT NULL, PRIMARY KEY (gateway, out_trade_no)) ENGINE = InnoDB; \
     CREATE TABLE IF NOT EXISTS soak_refunded (\
     gateway VARCHAR(64) COLLATE utf8mb4_nopad_bin NOT NULL, \
     out_refund_no VARCHAR(128) COLLATE utf8mb4_nopad_bin NOT NULL, \
     writes BIGINT NOT NULL, PRIMARY KEY (gateway, out_refund_no)) ENGINE = InnoDB";

macro_rules! sql_shop {
    ($db:ty, $write:literal, $refund_write:literal) => {
        impl SqlShop<$db> for InstanceShop {
            async fn order(&self, payment: &Payment) -> Option<Order> {
                self.books.order(payment)
            }

            async fn apply(
                &self,
                tx: &mut Transaction<'static, $db>,
                payment: &Payment,
            ) -> Result<(), String> {
                let fault = self.before_write()?;
                let amount = i64::try_from(payment.amount.get()).map_err(|e| e.to_string())?;
                sqlx::query($write)
                    .bind(payment.key.gateway())
                    .bind(&payment.order)
                    .bind(amount)
                    .execute(&mut **tx)
                    .await
                    .map_err(|e| e.to_string())?;
                self.after_write(fault).await;
                Ok(())
            }

            async fn refunded(
                &self,
                tx: &mut Transaction<'static, $db>,
                refund: &RefundOutcome,
            ) -> Result<(), String> {
                let fault = self.before_write()?;
                sqlx::query($refund_write)
                    .bind(refund.order.gateway())
                    .bind(&refund.refund_no)
                    .execute(&mut **tx)
                    .await
                    .map_err(|e| e.to_string())?;
                self.after_write(fault).await;
                Ok(())
            }
        }
    };
}

sql_shop!(
    Sqlite,
    "INSERT INTO soak_applied VALUES (?1, ?2, ?3, 1) \
     ON CONFLICT (gateway, out_trade_no) DO UPDATE SET writes = soak_applied.writes + 1",
    "INSERT INTO soak_refunded VALUES (?1, ?2, 1) \
     ON CONFLICT (gateway, out_refund_no) DO UPDATE SET writes = soak_refunded.writes + 1"
);
sql_shop!(
    Postgres,
    "INSERT INTO soak_applied VALUES ($1, $2, $3, 1) \
     ON CONFLICT (gateway, out_trade_no) DO UPDATE SET writes = soak_applied.writes + 1",
    "INSERT INTO soak_refunded VALUES ($1, $2, 1) \
     ON CONFLICT (gateway, out_refund_no) DO UPDATE SET writes = soak_refunded.writes + 1"
);
sql_shop!(
    MySql,
    "INSERT INTO soak_applied VALUES (?, ?, ?, 1) ON DUPLICATE KEY UPDATE writes = writes + 1",
    "INSERT INTO soak_refunded VALUES (?, ?, 1) ON DUPLICATE KEY UPDATE writes = writes + 1"
);
