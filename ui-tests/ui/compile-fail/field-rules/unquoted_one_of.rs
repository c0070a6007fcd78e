use paywire::PayRequest;

#[derive(PayRequest)]
#[pay(format = "json", sign = "none")]
struct Order {
    #[pay(one_of(JSAPI, "NATIVE"))]
    trade_type: String,
}

fn main() {}
