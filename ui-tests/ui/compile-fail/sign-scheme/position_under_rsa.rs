use paywire::PayRequest;

#[derive(PayRequest)]
#[pay(format = "form", sign = "rsa-sha256-sorted")]
struct TradeQuery {
    #[pay(sign = 1)]
    app_id: String,
}

fn main() {}
