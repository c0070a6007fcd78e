use paywire::PayRequest;

#[derive(PayRequest)]
#[pay(sign = "none")]
struct Order {
    out_trade_no: String,
}

fn main() {}
