use paywire::PayRequest;

#[derive(PayRequest)]
#[pay(format = "form", sign = "rsa-sha256-sorted", sign_key = "key")]
struct TradeQuery {
    app_id: String,
}

fn main() {}
