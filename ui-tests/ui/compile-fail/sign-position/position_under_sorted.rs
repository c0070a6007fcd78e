use paywire::PayRequest;

#[derive(PayRequest)]
#[pay(format = "xml", sign = "md5-sorted")]
struct Order {
    #[pay(sign = 1)]
    out_trade_no: String,
}

fn main() {}
