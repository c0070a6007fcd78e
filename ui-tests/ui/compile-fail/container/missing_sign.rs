use paywire::PayRequest;

#[derive(PayRequest)]
#[pay(format = "json")]
struct Order {
    out_trade_no: String,
}

fn main() {}
