use paywire::PayRequest;

#[derive(PayRequest)]
#[pay(format = "form", sign = "RSA2")]
struct TradeQuery {
    app_id: String,
}

fn main() {}
