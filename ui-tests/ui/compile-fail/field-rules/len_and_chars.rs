use paywire::PayRequest;

#[derive(PayRequest)]
#[pay(format = "json", sign = "none")]
struct Order {
    #[pay(len = 1..=127, chars = 1..=127)]
    description: String,
}

fn main() {}
