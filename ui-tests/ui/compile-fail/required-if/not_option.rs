use paywire::PayRequest;

#[derive(PayRequest)]
#[pay(format = "json", sign = "none")]
struct Order {
    pay_type: u8,
    #[pay(required_if(pay_type = 1))]
    openid: String,
}

fn main() {}
