use paywire::PayRequest;

#[derive(PayRequest)]
#[pay(format = "json", sign = "none")]
enum Order {
    Direct,
}

fn main() {}
