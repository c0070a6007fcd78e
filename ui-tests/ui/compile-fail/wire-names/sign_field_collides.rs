use paywire::PayRequest;

#[derive(PayRequest)]
#[pay(format = "xml", sign = "md5-sorted")]
struct Order {
    out_trade_no: String,
    sign: String,
}

fn main() {}
