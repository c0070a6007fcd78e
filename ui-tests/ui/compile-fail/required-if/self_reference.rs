use paywire::PayRequest;

#[derive(PayRequest)]
#[pay(format = "json", sign = "none")]
struct Order {
    #[pay(required_if(openid = "x"))]
    openid: Option<String>,
}

fn main() {}
