use paywire::{PayObject, PayRequest};

#[derive(PayObject)]
struct Amount {
    total: u64,
}

#[derive(PayRequest)]
#[pay(format = "xml", sign = "md5-sorted")]
struct Order {
    out_trade_no: String,
    amount: Amount,
    items: Option<Vec<String>>,
}

fn main() {}
