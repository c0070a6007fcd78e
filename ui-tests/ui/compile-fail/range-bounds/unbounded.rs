use paywire::PayRequest;

#[derive(PayRequest)]
#[pay(format = "json", sign = "none")]
struct Order {
    #[pay(len = ..)]
    out_trade_no: String,
}

fn main() {}
