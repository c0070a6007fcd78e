use paywire::PayRequest;

#[derive(PayRequest)]
#[pay(format = "json", sign = "none")]
struct Order {
    #[pay(range = 1..=100)]
    total_fee: String,
}

fn main() {}
