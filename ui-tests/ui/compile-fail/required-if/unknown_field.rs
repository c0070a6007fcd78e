use paywire::PayRequest;

#[derive(PayRequest)]
#[pay(format = "json", sign = "none")]
struct Order {
    pay_type: u8,
    #[pay(required_if(pay_typ = 1))]
    openid: Option<String>,
}

fn main() {}
