//! What the ledger's tests share: payments, the merchant's own table (a counter that a
//! second application would show), and real database servers.

#![allow(dead_code, unused_macros, unused_imports)] // each test binary uses part of it

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

/// A refund recorded before it is sent stays listed by `unaccepted_refunds` until the
/// gateway's acceptance is recorded in a committed transaction, or the refund is released;
/// an accepted refund is never released. Order `A1` must not be paid yet.
pub async fn refunds_are_listed_until_accepted_or_released<DB: paywire_sqlx::Backend>(
    pool: &sqlx::Pool<DB>,
) {
    use paywire_sqlx::{
        accept_refund, apply_once, begin, refund_once, release_refund, unaccepted_refunds,
        Accepted, Applied, Refund, Refunded, Released,
    };
    use std::time::Duration;
    let refund = |number: &'static str, fen: u64| Refund {
        gateway: "swiftpass",
        out_trade_no: "A1",
        out_refund_no: number,
        amount: Fen::new(fen),
    };
    let listed = |pool: &sqlx::Pool<DB>| {
        let pool = pool.clone();
        async move {
            let mut numbers: Vec<String> = unaccepted_refunds(&pool, Duration::ZERO)
                .await
                .unwrap()
                .into_iter()
                .map(|u| {
                    assert_eq!(
                        (u.gateway.as_str(), u.out_trade_no.as_str()),
                        ("swiftpass", "A1")
                    );
                    format!("{}:{}", u.out_refund_no, u.amount.get())
                })
                .collect();
            numbers.sort();
            numbers
        }
    };
    let mut tx = begin(pool).await.unwrap();
    let found = apply_once(&mut tx, &payment("A1", 100, "42"), &expected(100)).await;
    assert_eq!(found.unwrap(), Applied::Fresh);
    tx.commit().await.unwrap();
    for (number, fen) in [("R1", 60), ("R2", 40)] {
        let mut tx = begin(pool).await.unwrap();
        let found = refund_once(&mut tx, &refund(number, fen)).await.unwrap();
        assert!(matches!(found, Refunded::Fresh { .. }), "{found:?}");
        tx.commit().await.unwrap();
    }
    assert_eq!(listed(pool).await, ["R1:60", "R2:40"]);
    // Recorded just now: not yet older than a minute.
    let recent = unaccepted_refunds(pool, Duration::from_secs(60))
        .await
        .unwrap();
    assert_eq!(recent, []);

    // An acceptance that never commits leaves the refund listed.
    let mut tx = begin(pool).await.unwrap();
    assert_eq!(
        accept_refund(&mut tx, &refund("R1", 60)).await.unwrap(),
        Accepted::Marked
    );
    drop(tx);
    assert_eq!(listed(pool).await, ["R1:60", "R2:40"]);

    let mut tx = begin(pool).await.unwrap();
    assert_eq!(
        accept_refund(&mut tx, &refund("R1", 60)).await.unwrap(),
        Accepted::Marked
    );
    tx.commit().await.unwrap();
    let mut tx = begin(pool).await.unwrap();
    assert_eq!(
        accept_refund(&mut tx, &refund("R1", 60)).await.unwrap(),
        Accepted::Before
    );
    assert_eq!(
        accept_refund(&mut tx, &refund("R1", 59)).await.unwrap(),
        Accepted::Conflict
    );
    assert_eq!(
        accept_refund(&mut tx, &refund("R9", 60)).await.unwrap(),
        Accepted::NotRecorded
    );
    // The gateway took R1: it is not released, its room stays taken.
    assert_eq!(
        release_refund(&mut tx, &refund("R1", 60)).await.unwrap(),
        Released::Accepted
    );
    tx.commit().await.unwrap();
    assert_eq!(listed(pool).await, ["R2:40"]);

    // The gateway says it does not have R2: released, its room freed, no longer listed.
    let mut tx = begin(pool).await.unwrap();
    let released = release_refund(&mut tx, &refund("R2", 40)).await.unwrap();
    assert_eq!(
        released,
        Released::Released {
            paid: Fen::new(100),
            refunded: Fen::new(60)
        }
    );
    tx.commit().await.unwrap();
    assert_eq!(listed(pool).await, Vec::<String>::new());
    let mut tx = begin(pool).await.unwrap();
    let found = refund_once(&mut tx, &refund("R3", 40)).await.unwrap();
    assert_eq!(
        found,
        Refunded::Fresh {
            paid: Fen::new(100),
            refunded: Fen::new(100)
        }
    );
    tx.commit().await.unwrap();
    assert_eq!(listed(pool).await, ["R3:40"]);
}

/// A refund the gateway reports closed is taken back whether or not its acceptance was
/// recorded, and its room refunded again under a new number; closing it again finds
/// nothing, and a refund number recorded with another amount is not closed. Order `C1`
/// must not be paid yet.
pub async fn closed_refunds_are_taken_back_accepted_or_not<DB: paywire_sqlx::Backend>(
    pool: &sqlx::Pool<DB>,
) {
    use paywire_sqlx::{
        accept_refund, apply_once, begin, close_refund, refund_once, release_refund, Accepted,
        Applied, Refund, Refunded, Released,
    };
    let refund = |number: &'static str, fen: u64| Refund {
        gateway: "swiftpass",
        out_trade_no: "C1",
        out_refund_no: number,
        amount: Fen::new(fen),
    };
    let mut tx = begin(pool).await.unwrap();
    let found = apply_once(&mut tx, &payment("C1", 100, "42"), &expected(100)).await;
    assert_eq!(found.unwrap(), Applied::Fresh);
    tx.commit().await.unwrap();
    for (number, fen) in [("C1-R1", 60), ("C1-R2", 40)] {
        let mut tx = begin(pool).await.unwrap();
        let found = refund_once(&mut tx, &refund(number, fen)).await.unwrap();
        assert!(matches!(found, Refunded::Fresh { .. }), "{found:?}");
        tx.commit().await.unwrap();
    }
    let mut tx = begin(pool).await.unwrap();
    let accepted = accept_refund(&mut tx, &refund("C1-R1", 60)).await.unwrap();
    assert_eq!(accepted, Accepted::Marked);
    tx.commit().await.unwrap();

    let mut tx = begin(pool).await.unwrap();
    // Accepted: not released on a refusal, but closed on the gateway's word.
    let refused = release_refund(&mut tx, &refund("C1-R1", 60)).await.unwrap();
    assert_eq!(refused, Released::Accepted);
    assert_eq!(
        close_refund(&mut tx, &refund("C1-R1", 59)).await.unwrap(),
        Released::Conflict
    );
    assert_eq!(
        close_refund(&mut tx, &refund("C1-R1", 60)).await.unwrap(),
        Released::Released {
            paid: Fen::new(100),
            refunded: Fen::new(40)
        }
    );
    // Unaccepted: closed too.
    assert_eq!(
        close_refund(&mut tx, &refund("C1-R2", 40)).await.unwrap(),
        Released::Released {
            paid: Fen::new(100),
            refunded: Fen::new(0)
        }
    );
    tx.commit().await.unwrap();

    let mut tx = begin(pool).await.unwrap();
    assert_eq!(
        close_refund(&mut tx, &refund("C1-R1", 60)).await.unwrap(),
        Released::NotRecorded
    );
    // The whole room is free again.
    let again = refund_once(&mut tx, &refund("C1-R3", 100)).await.unwrap();
    assert_eq!(
        again,
        Refunded::Fresh {
            paid: Fen::new(100),
            refunded: Fen::new(100)
        }
    );
    tx.commit().await.unwrap();
}

/// A refund's success is marked once, whether or not its acceptance was recorded from the
/// gateway's answer before; a success that never commits leaves it unmarked; marked, it is
/// accepted, and neither released on a refusal nor taken back on a close reported after
/// it. Order `S1` must not be paid yet.
pub async fn successes_are_marked_once_and_kept<DB: paywire_sqlx::Backend>(pool: &sqlx::Pool<DB>) {
    use paywire_sqlx::{
        accept_refund, apply_once, begin, close_refund, complete_refund, refund_once,
        release_refund, unaccepted_refunds, Accepted, Applied, Refund, Refunded, Released,
    };
    let refund = |number: &'static str, fen: u64| Refund {
        gateway: "swiftpass",
        out_trade_no: "S1",
        out_refund_no: number,
        amount: Fen::new(fen),
    };
    let mut tx = begin(pool).await.unwrap();
    let found = apply_once(&mut tx, &payment("S1", 100, "42"), &expected(100)).await;
    assert_eq!(found.unwrap(), Applied::Fresh);
    for (number, fen) in [("S1-R1", 60), ("S1-R2", 40)] {
        let found = refund_once(&mut tx, &refund(number, fen)).await.unwrap();
        assert!(matches!(found, Refunded::Fresh { .. }), "{found:?}");
    }
    // R1 taken on the gateway's answer (still processing there); R2 not.
    let accepted = accept_refund(&mut tx, &refund("S1-R1", 60)).await.unwrap();
    assert_eq!(accepted, Accepted::Marked);
    tx.commit().await.unwrap();

    // A success whose transaction never commits marks nothing.
    let mut tx = begin(pool).await.unwrap();
    let marked = complete_refund(&mut tx, &refund("S1-R1", 60))
        .await
        .unwrap();
    assert_eq!(marked, Accepted::Marked);
    drop(tx);

    let mut tx = begin(pool).await.unwrap();
    for (number, fen) in [("S1-R1", 60), ("S1-R2", 40)] {
        let marked = complete_refund(&mut tx, &refund(number, fen))
            .await
            .unwrap();
        assert_eq!(marked, Accepted::Marked, "{number}");
    }
    assert_eq!(
        complete_refund(&mut tx, &refund("S1-R1", 60))
            .await
            .unwrap(),
        Accepted::Before
    );
    assert_eq!(
        complete_refund(&mut tx, &refund("S1-R1", 59))
            .await
            .unwrap(),
        Accepted::Conflict
    );
    assert_eq!(
        complete_refund(&mut tx, &refund("S1-R9", 1)).await.unwrap(),
        Accepted::NotRecorded
    );
    tx.commit().await.unwrap();

    // Succeeded is accepted: not listed, and accepting it again finds it marked.
    assert_eq!(
        unaccepted_refunds(pool, std::time::Duration::ZERO)
            .await
            .unwrap(),
        []
    );
    let mut tx = begin(pool).await.unwrap();
    assert_eq!(
        accept_refund(&mut tx, &refund("S1-R2", 40)).await.unwrap(),
        Accepted::Before
    );
    assert_eq!(
        complete_refund(&mut tx, &refund("S1-R2", 40))
            .await
            .unwrap(),
        Accepted::Before
    );
    // Kept whatever comes after: the money went back.
    assert_eq!(
        release_refund(&mut tx, &refund("S1-R1", 60)).await.unwrap(),
        Released::Accepted
    );
    assert_eq!(
        close_refund(&mut tx, &refund("S1-R2", 40)).await.unwrap(),
        Released::Succeeded
    );
    let more = refund_once(&mut tx, &refund("S1-R3", 1)).await.unwrap();
    assert_eq!(
        more,
        Refunded::AbovePaid {
            paid: Fen::new(100),
            refunded: Fen::new(100),
            requested: Fen::new(1)
        }
    );
    // What the books hold of the payment, and of an order never paid.
    let held = paywire_sqlx::paid(&mut tx, "swiftpass", "S1")
        .await
        .unwrap();
    assert_eq!(
        held,
        Some(paywire_sqlx::Paid {
            amount: Fen::new(100),
            currency: None,
            gateway_order: Some("42".into()),
            refunded: Fen::new(100),
        })
    );
    let none = paywire_sqlx::paid(&mut tx, "swiftpass", "S2")
        .await
        .unwrap();
    assert_eq!(none, None);
    tx.commit().await.unwrap();
}

/// Ten orders paid 100 each, then for each, three instances refunding 40 under their own
/// refund numbers, each twice (a retry of the same number), all at once: two refunds fit,
/// the third never does, and the books hold exactly the two (the order's refunded sum is
/// 80: a further 21 does not fit, 20 does).
pub async fn racing_refunds_never_exceed_what_was_paid<DB: paywire_sqlx::Backend>(
    instances: &[sqlx::Pool<DB>; 3],
) {
    use paywire_sqlx::{apply_once, begin, refund_once, Applied, Refund, Refunded};
    let orders: Vec<String> = (0..10).map(|i| format!("F{i}")).collect();
    for order in &orders {
        let mut tx = begin(&instances[0]).await.unwrap();
        let found = apply_once(&mut tx, &payment(order, 100, "42"), &expected(100)).await;
        assert_eq!(found.unwrap(), Applied::Fresh);
        tx.commit().await.unwrap();
    }
    let refund = |order: &str, number: &str, fen: u64| {
        let (order, number) = (order.to_owned(), number.to_owned());
        move |pool: sqlx::Pool<DB>| async move {
            let refund = Refund {
                gateway: "swiftpass",
                out_trade_no: &order,
                out_refund_no: &number,
                amount: Fen::new(fen),
            };
            let mut tx = begin(&pool).await.unwrap();
            let found = refund_once(&mut tx, &refund).await.unwrap();
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            tx.commit().await.unwrap();
            found
        }
    };
    for order in &orders {
        let racing: Vec<_> = (0..6)
            .map(|i| {
                let make = refund(order, &format!("{order}-R{}", i % 3), 40);
                tokio::spawn(make(instances[i % 3].clone()))
            })
            .collect();
        let mut fresh = 0;
        for handle in racing {
            match handle.await.unwrap() {
                Refunded::Fresh { refunded, .. } => {
                    assert!(refunded <= Fen::new(100), "{order}: {refunded:?}");
                    fresh += 1;
                }
                Refunded::Done | Refunded::AbovePaid { .. } => {}
                other => panic!("{order}: {other:?}"),
            }
        }
        assert_eq!(fresh, 2, "{order}");
        let over = refund(order, &format!("{order}-R21"), 21)(instances[1].clone()).await;
        assert!(
            matches!(over, Refunded::AbovePaid { refunded, .. } if refunded == Fen::new(80)),
            "{order}: {over:?}"
        );
        let last = refund(order, &format!("{order}-R20"), 20)(instances[2].clone()).await;
        assert!(
            matches!(last, Refunded::Fresh { refunded, .. } if refunded == Fen::new(100)),
            "{order}: {last:?}"
        );
    }
}

/// The ledger's tests on a server several merchant instances share (PostgreSQL,
/// MariaDB), written once: racing deliveries apply a payment once, a panicking
/// transaction leaves it to the next delivery, a server killed between the write and the
/// commit loses nothing and doubles nothing, and racing refunds never exceed what was
/// paid. The including file names the database, how its server starts, its first
/// placeholder and its shop table, and defines
/// `instance(url)` and `other_instance(url)` (two kinds of merchant pool).
macro_rules! shared_server_tests {
    (
        db: $db:ty,
        server: $server:ident,
        param: $p1:literal,
        shop_table: $table:expr $(,)?
    ) => {
        async fn shop(url: &str, orders: &[&str]) -> sqlx::Pool<$db> {
            let pool = instance(url).await;
            paywire_sqlx::migrate(&pool).await.unwrap();
            sqlx::query($table).execute(&pool).await.unwrap();
            for order in orders {
                sqlx::query(concat!(
                    "INSERT INTO shop_orders (out_trade_no) VALUES (",
                    $p1,
                    ")"
                ))
                .bind(order)
                .execute(&pool)
                .await
                .unwrap();
            }
            pool
        }

        async fn applied(pool: &sqlx::Pool<$db>, order: &str) -> i64 {
            sqlx::query_scalar(concat!(
                "SELECT applied FROM shop_orders WHERE out_trade_no = ",
                $p1
            ))
            .bind(order)
            .fetch_one(pool)
            .await
            .unwrap()
        }

        /// In `tx`: records the payment of `order` (`fen` notified, 100 expected) and,
        /// if fresh, the merchant's write.
        async fn record_and_write(
            tx: &mut sqlx::Transaction<'static, $db>,
            order: &str,
            fen: u64,
        ) -> paywire_sqlx::Applied {
            let found = paywire_sqlx::apply_once(
                tx,
                &support::payment(order, fen, "42"),
                &support::expected(100),
            )
            .await
            .unwrap();
            if found == paywire_sqlx::Applied::Fresh {
                sqlx::query(concat!(
                    "UPDATE shop_orders SET applied = applied + 1 WHERE out_trade_no = ",
                    $p1
                ))
                .bind(order)
                .execute(&mut **tx)
                .await
                .unwrap();
            }
            found
        }

        /// One delivery: apply_once, the merchant's write, a pause (a slow database),
        /// commit.
        async fn deliver(
            pool: &sqlx::Pool<$db>,
            order: &str,
            pause: std::time::Duration,
        ) -> paywire_sqlx::Applied {
            let mut tx = paywire_sqlx::begin(pool).await.unwrap();
            let found = record_and_write(&mut tx, order, 100).await;
            if found == paywire_sqlx::Applied::Fresh {
                tokio::time::sleep(pause).await;
                tx.commit().await.unwrap();
            }
            found
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn instances_racing_on_one_payment_apply_it_once() {
            let Some(server) = support::$server() else {
                return;
            };
            let orders = ["P0", "P1", "P2", "P3", "P4"];
            let first = shop(&server.url, &orders).await;
            let instances = [
                first,
                other_instance(&server.url).await,
                instance(&server.url).await,
            ];
            for order in orders {
                // Every instance gets the delivery at once; the first to insert holds the
                // key while its write is slow, the others wait on it, then find it done.
                let racing: Vec<_> = instances
                    .iter()
                    .map(|pool| {
                        let pool = pool.clone();
                        tokio::spawn(async move {
                            deliver(&pool, order, std::time::Duration::from_millis(50)).await
                        })
                    })
                    .collect();
                let mut fresh = 0;
                for handle in racing {
                    match handle.await.unwrap() {
                        paywire_sqlx::Applied::Fresh => fresh += 1,
                        paywire_sqlx::Applied::Done => {}
                        other => panic!("{other:?}"),
                    }
                }
                assert_eq!(fresh, 1, "{order}");
                assert_eq!(applied(&instances[0], order).await, 1, "{order}");
            }
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn a_transaction_that_rolls_back_leaves_the_payment_to_the_next_delivery() {
            let Some(server) = support::$server() else {
                return;
            };
            let pool = shop(&server.url, &["Q1"]).await;
            let handler = {
                let pool = pool.clone();
                tokio::spawn(async move {
                    let mut tx = paywire_sqlx::begin(&pool).await.unwrap();
                    let found = record_and_write(&mut tx, "Q1", 100).await;
                    assert_eq!(found, paywire_sqlx::Applied::Fresh);
                    panic!("the merchant's code panics after its write");
                })
            };
            assert!(handler.await.unwrap_err().is_panic());
            let now = std::time::Duration::ZERO;
            assert_eq!(
                deliver(&pool, "Q1", now).await,
                paywire_sqlx::Applied::Fresh
            );
            assert_eq!(deliver(&pool, "Q1", now).await, paywire_sqlx::Applied::Done);
            assert_eq!(applied(&pool, "Q1").await, 1);
            // Another amount for the applied order: a conflict, never a second application.
            let mut tx = paywire_sqlx::begin(&pool).await.unwrap();
            let found = paywire_sqlx::apply_once(
                &mut tx,
                &support::payment("Q1", 90, "42"),
                &support::expected(90),
            )
            .await
            .unwrap();
            assert!(
                matches!(found, paywire_sqlx::Applied::Conflict(_)),
                "{found:?}"
            );
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn a_server_killed_between_the_write_and_the_commit_loses_nothing_and_doubles_nothing(
        ) {
            let Some(mut server) = support::$server() else {
                return;
            };
            let pool = shop(&server.url, &["K1", "K2"]).await;
            let now = std::time::Duration::ZERO;
            // K1 committed before the crash; K2 written, not committed, when the server
            // dies.
            assert_eq!(
                deliver(&pool, "K1", now).await,
                paywire_sqlx::Applied::Fresh
            );
            let mut tx = paywire_sqlx::begin(&pool).await.unwrap();
            let found = record_and_write(&mut tx, "K2", 100).await;
            assert_eq!(found, paywire_sqlx::Applied::Fresh);
            server.kill();
            assert!(
                tx.commit().await.is_err(),
                "the commit cannot land on a dead server"
            );
            pool.close().await;
            server.restart().unwrap();

            let pool = instance(&server.url).await;
            assert_eq!(
                applied(&pool, "K1").await,
                1,
                "the acknowledged commit survived"
            );
            assert_eq!(
                applied(&pool, "K2").await,
                0,
                "the uncommitted write rolled back"
            );
            assert_eq!(deliver(&pool, "K1", now).await, paywire_sqlx::Applied::Done);
            assert_eq!(
                deliver(&pool, "K2", now).await,
                paywire_sqlx::Applied::Fresh
            );
            assert_eq!(deliver(&pool, "K2", now).await, paywire_sqlx::Applied::Done);
            assert_eq!(applied(&pool, "K2").await, 1);
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn refunds_are_listed_until_the_gateway_s_acceptance_is_recorded() {
            let Some(server) = support::$server() else {
                return;
            };
            let pool = shop(&server.url, &[]).await;
            support::refunds_are_listed_until_accepted_or_released(&pool).await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn a_refund_s_success_is_marked_once_and_kept() {
            let Some(server) = support::$server() else {
                return;
            };
            let pool = shop(&server.url, &[]).await;
            support::successes_are_marked_once_and_kept(&pool).await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn a_refund_the_gateway_closed_is_taken_back() {
            let Some(server) = support::$server() else {
                return;
            };
            let pool = shop(&server.url, &[]).await;
            support::closed_refunds_are_taken_back_accepted_or_not(&pool).await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn an_acceptance_waiting_on_a_release_of_the_same_refund_finds_it_released() {
            let Some(server) = support::$server() else {
                return;
            };
            let pool = shop(&server.url, &[]).await;
            let refund = paywire_sqlx::Refund {
                gateway: "swiftpass",
                out_trade_no: "B1",
                out_refund_no: "B1-R1",
                amount: paywire::Fen::new(30),
            };
            let mut tx = paywire_sqlx::begin(&pool).await.unwrap();
            let found = paywire_sqlx::apply_once(
                &mut tx,
                &support::payment("B1", 100, "42"),
                &support::expected(100),
            )
            .await
            .unwrap();
            assert_eq!(found, paywire_sqlx::Applied::Fresh);
            assert!(matches!(
                paywire_sqlx::refund_once(&mut tx, &refund).await.unwrap(),
                paywire_sqlx::Refunded::Fresh { .. }
            ));
            tx.commit().await.unwrap();
            // One instance releases the refund (the gateway refused it) and has not
            // committed yet when another records its acceptance.
            let mut releasing = paywire_sqlx::begin(&pool).await.unwrap();
            let released = paywire_sqlx::release_refund(&mut releasing, &refund)
                .await
                .unwrap();
            assert!(matches!(released, paywire_sqlx::Released::Released { .. }));
            let accepting = tokio::spawn({
                let pool = pool.clone();
                async move {
                    let mut tx = paywire_sqlx::begin(&pool).await.unwrap();
                    let found = paywire_sqlx::accept_refund(&mut tx, &refund).await.unwrap();
                    tx.commit().await.unwrap();
                    found
                }
            });
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            releasing.commit().await.unwrap();
            // The acceptance waited for the release and found no refund to mark: it never
            // reports a mark that did not happen.
            assert_eq!(
                accepting.await.unwrap(),
                paywire_sqlx::Accepted::NotRecorded
            );
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn concurrent_refunds_from_three_instances_never_exceed_what_was_paid() {
            let Some(server) = support::$server() else {
                return;
            };
            let instances = [
                shop(&server.url, &[]).await,
                other_instance(&server.url).await,
                instance(&server.url).await,
            ];
            support::racing_refunds_never_exceed_what_was_paid(&instances).await;
        }
    };
}

pub(crate) use shared_server_tests;
