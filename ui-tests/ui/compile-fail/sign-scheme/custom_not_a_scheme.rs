use paywire::PayRequest;

/// Not a sign scheme: it implements nothing.
struct NotAScheme;

#[derive(PayRequest)]
#[pay(format = "json", sign = custom(NotAScheme))]
struct CreateOrder {
    out_order_no: String,
}

fn main() {}
