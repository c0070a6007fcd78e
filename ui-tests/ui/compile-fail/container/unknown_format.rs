use paywire::PayRequest;

#[derive(PayRequest)]
#[pay(format = "jsn", sign = "none")]
struct Order {
    out_trade_no: String,
}

fn main() {}
