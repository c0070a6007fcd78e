use paywire::PayRequest;

#[derive(PayRequest)]
#[pay(format = "xml", sign = "md5", sign_key = "key")]
struct Order {
    out_trade_no: String,
}

fn main() {}
