use paywire::PayRequest;

#[derive(PayRequest)]
#[pay(format = "form", sign = "md5-concat")]
struct Pay {
    #[pay(sign = 1)]
    name: String,
    #[pay(sign = 3)]
    order_id: String,
}

fn main() {}
