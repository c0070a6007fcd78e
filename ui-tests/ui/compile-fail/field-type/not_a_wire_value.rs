use paywire::PayRequest;

#[derive(PayRequest)]
#[pay(format = "json", sign = "none")]
struct Order {
    created: std::time::SystemTime,
}

fn main() {}
