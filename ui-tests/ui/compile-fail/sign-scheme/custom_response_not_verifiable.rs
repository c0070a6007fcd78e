use paywire::PayResponse;

/// Not a sign scheme: it implements nothing.
struct NotAScheme;

#[derive(PayResponse)]
#[pay(format = "json", sign = custom(NotAScheme))]
struct OrderNotice {
    out_order_no: String,
}

fn main() {}
