use paywire::PayRequest;

#[derive(PayRequest)]
#[pay(format = "json", sign = "none")]
struct Order<T> {
    out_trade_no: T,
}

fn main() {}
