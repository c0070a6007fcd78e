use paywire::PayRequest;

#[derive(PayRequest)]
#[pay(format = "json", sign = "none", len = 1..=32)]
struct Order {
    out_trade_no: String,
}

fn main() {}
