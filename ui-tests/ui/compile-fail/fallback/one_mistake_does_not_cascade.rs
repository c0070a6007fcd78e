use paywire::{PayRequest, Secret};

#[derive(Debug, PayRequest)]
#[pay(format = "json", sign = "none")]
struct Order {
    #[pay(lenn = 1..=32)]
    out_trade_no: String,
}

fn main() {
    // Only the attribute above is reported; these uses still type-check.
    let order = Order { out_trade_no: "1".into() };
    let _ = order.validate();
    let _ = order.to_body(&Secret::new("k"));
}
