//! A merchant's notification server for all four notifying gateways. Run `paywire
//! sandbox`, then `cargo run -p paywire-axum --example merchant`, and give orders
//! `http://127.0.0.1:3000/notify/GATEWAY` as their notify_url (and WeChat Pay Global's
//! refunds the same URL: their successes are written once too).

use paywire::ledger::{Ledger, Payment, RefundOutcome};
use paywire::{Fen, Secret};
use paywire_axum::{Notifications, Order, Shop};
use paywire_providers::swiftpass::VerifyKey;
use paywire_providers::wechat::v3::PlatformKeys;
use paywire_providers::{swiftpass, wechat_global, weidoufu, xorpay};
use std::collections::HashMap;
use std::sync::Mutex;

/// The shop's books. A real shop reads and writes its database (or, with
/// `Notifications::in_transaction`, writes in the ledger's SQL transaction).
#[derive(Default)]
pub struct Orders {
    /// Orders by number: what the shop recorded when it placed each one (the amount, the
    /// currency where the gateway has one, XorPay's `aoid` from its answer) and whether
    /// it is paid.
    pub placed: Mutex<HashMap<String, (Order, bool)>>,
    /// Refunds the gateway reported done, by the merchant's refund number: their amount.
    pub refunded: Mutex<HashMap<String, Fen>>,
}

impl Orders {
    /// Records an order when it is placed.
    pub fn place(&self, number: &str, order: Order) {
        if let Ok(mut orders) = self.placed.lock() {
            orders.insert(number.to_owned(), (order, false));
        }
    }
}

impl Shop for Orders {
    async fn order(&self, payment: &Payment) -> Option<Order> {
        let orders = self.placed.lock().ok()?;
        orders.get(&payment.order).map(|(order, _)| order.clone())
    }

    async fn apply(&self, payment: &Payment) -> Result<(), String> {
        let mut orders = self.placed.lock().map_err(|e| e.to_string())?;
        let order = orders.get_mut(&payment.order).ok_or("no such order")?;
        order.1 = true;
        Ok(())
    }

    /// A refund's success (WeChat Pay Global's `REFUND.SUCCESS`), once per refund; the
    /// ledger has counted it against the order's cap already.
    ///
    /// An authentic refund notification is still checked against the books: a refund of
    /// an order the shop never placed, or in another currency than the order was placed
    /// in, is refused and never written (`Err`: logged, and the gateway delivers again
    /// until someone settles it).
    async fn refunded(&self, refund: &RefundOutcome) -> Result<(), String> {
        {
            let orders = self.placed.lock().map_err(|e| e.to_string())?;
            let (order, _) = orders
                .get(refund.order.order())
                .ok_or_else(|| format!("a refund of {}, an order never placed", refund.order))?;
            if let Some(placed_in) = &order.currency {
                if refund.currency.as_ref() != Some(placed_in) {
                    return Err(format!(
                        "a refund of {} in {}, an order placed in {placed_in}",
                        refund.order,
                        refund.currency.as_deref().unwrap_or("no currency"),
                    ));
                }
            }
        }
        let mut refunded = self.refunded.lock().map_err(|e| e.to_string())?;
        refunded.insert(refund.refund_no.clone(), refund.amount);
        Ok(())
    }
}

/// The four endpoints with the sandbox's credentials (`paywire sandbox` prints them).
pub fn notify_routes<S: Shop>(shop: S) -> axum::Router {
    let c = paywire_sandbox::SandboxConfig::default();
    let mut platform = PlatformKeys::new();
    platform
        .add_certificate_pem(&c.wechat_global.platform_certificate_pem)
        .expect("the sandbox's certificate");
    let notifications = Notifications::new(shop, Ledger::in_memory())
        .receive(swiftpass::receiver(VerifyKey::Md5(Secret::new(
            c.swiftpass.key,
        ))))
        .receive(weidoufu::receiver(Secret::new(c.weidoufu.secret_key)))
        .receive(xorpay::receiver(Secret::new(c.xorpay.app_secret)))
        .receive(wechat_global::receiver(
            platform,
            Secret::new(c.wechat_global.apiv3_key),
        ));
    axum::Router::new().nest("/notify", notifications.router())
}

#[allow(dead_code)] // the tests use the routes only
#[tokio::main]
async fn main() -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
    axum::serve(listener, notify_routes(Orders::default())).await
}
