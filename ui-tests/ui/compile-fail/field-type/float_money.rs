use paywire::PayRequest;

#[derive(PayRequest)]
#[pay(format = "json", sign = "none")]
struct Order {
    total_fee: Option<f64>,
}

fn main() {}
