use paywire::{PayObject, PayRequest, PayResponse};

#[derive(PayObject)]
struct Amount {
    total: u64,
}

// `one_of` and the conditions compare a member's text; a nested object or array has none.
#[derive(PayRequest)]
#[pay(format = "json", sign = "md5-sorted")]
struct Order {
    out_trade_no: String,
    #[pay(one_of("100"))]
    amount: Amount,
    #[pay(one_of("a", "b"))]
    tags: Vec<String>,
    #[pay(required_if(amount = "100"))]
    coupon: Option<String>,
}

#[derive(PayResponse)]
#[pay(format = "json", sign = "md5-sorted", signed_if(amount = "0"))]
struct Answer {
    code: String,
    amount: Amount,
}

// Text members keep every rule.
#[derive(PayRequest)]
#[pay(format = "json", sign = "md5-sorted")]
struct Fine {
    #[pay(one_of("JSAPI", "NATIVE"))]
    trade_type: String,
    #[pay(one_of("1", "2"))]
    kind: u32,
    #[pay(required_if(trade_type = "JSAPI"))]
    openid: Option<String>,
}

fn main() {}
