use paywire::PayRequest;

#[derive(PayRequest)]
#[pay(format = "json", sign = "none", sign_key = "key")]
struct Order {
    out_trade_no: String,
}

fn main() {}
