use paywire::PayRequest;

#[derive(PayRequest)]
#[pay(format = "json", sign = "none")]
struct Order {
    openid: String,
    #[pay(rename = "openid")]
    sub_openid: String,
}

fn main() {}
