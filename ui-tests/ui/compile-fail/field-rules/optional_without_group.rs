use paywire::PayRequest;

#[derive(PayRequest)]
#[pay(format = "json", sign = "none")]
struct Order {
    #[pay(optional)]
    sub_appid: Option<String>,
}

fn main() {}
