use paywire::PayRequest;

#[derive(PayRequest)]
#[pay(format = "json", sign = "none")]
struct Order {
    #[pay(len = 1..=9)]
    total_fee: u32,
}

fn main() {}
