use paywire::PayRequest;

#[derive(PayRequest)]
#[pay(format = "json", sign = "none")]
struct Order {
    #[pay(len = 1..=32)]
    #[pay(len = 1..=64)]
    out_trade_no: String,
}

fn main() {}
