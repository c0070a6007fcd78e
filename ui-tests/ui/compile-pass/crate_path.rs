//! `#[pay(crate = "...")]` for crates that re-export paywire under another path.
mod vendored {
    pub use paywire as payments;
}

use paywire::PayRequest;

#[derive(Debug, PayRequest)]
#[pay(crate = "crate::vendored::payments", format = "json", sign = "none")]
struct Order {
    #[pay(len = 1..=32)]
    out_trade_no: String,
}

fn main() {
    let order = Order { out_trade_no: "1".into() };
    order.validate().unwrap();
}
