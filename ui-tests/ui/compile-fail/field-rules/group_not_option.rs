use paywire::PayRequest;

#[derive(PayRequest)]
#[pay(format = "json", sign = "none")]
struct Order {
    #[pay(group = "direct")]
    mchid: String,
}

fn main() {}
