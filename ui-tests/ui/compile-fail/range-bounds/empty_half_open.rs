use paywire::PayRequest;

#[derive(PayRequest)]
#[pay(format = "json", sign = "none")]
struct Order {
    #[pay(chars = 3..3)]
    description: String,
}

fn main() {}
