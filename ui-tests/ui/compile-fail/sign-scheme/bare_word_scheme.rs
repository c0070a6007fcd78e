use paywire::PayRequest;

#[derive(PayRequest)]
#[pay(format = "json", sign = md5_sorted)]
struct CreateOrder {
    out_order_no: String,
}

fn main() {}
