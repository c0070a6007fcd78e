use paywire::PayRequest;

#[derive(PayRequest)]
#[pay(format = "json", sign = "none")]
#[pay(format = "xml")]
struct Order {
    out_trade_no: String,
}

fn main() {}
