use paywire::PayRequest;

#[derive(PayRequest)]
#[pay(format = "json", sign = "none")]
struct Order {
    #[pay(len = -1..=8)]
    version: String,
}

fn main() {}
