use paywire::PayRequest;

#[derive(PayRequest)]
#[pay(format = "json", sign = "none")]
struct Order {
    #[pay(lenn = 1..=32)]
    out_trade_no: String,
}

fn main() {}
