use paywire::PayRequest;

#[derive(PayRequest)]
#[pay(format = "xml", sign = "md5-sorted")]
struct Order {
    #[pay(rename = "out trade no")]
    out_trade_no: String,
}

fn main() {}
