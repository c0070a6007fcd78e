use paywire::PayRequest;

#[derive(PayRequest)]
#[pay(format = "json", sign = "none", sing_key = "key")]
struct Order {
    out_trade_no: String,
}

fn main() {}
