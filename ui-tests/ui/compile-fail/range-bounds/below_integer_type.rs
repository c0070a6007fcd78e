use paywire::PayRequest;

#[derive(PayRequest)]
#[pay(format = "json", sign = "none")]
struct Order {
    #[pay(range = -1..=10)]
    attempts: Option<u32>,
}

fn main() {}
