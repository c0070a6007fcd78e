use paywire::PayRequest;

#[derive(PayRequest)]
#[pay(format = "json", sign = "md5-sort")]
struct Order {
    out_trade_no: String,
}

fn main() {}
