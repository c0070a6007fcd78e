use paywire::PayRequest;

#[derive(PayRequest)]
#[pay(format = "json", sign = "none")]
struct Order {
    #[pay(range = 1..=300)]
    pay_type: u8,
}

fn main() {}
