use paywire::PayRequest;

#[derive(PayRequest)]
#[pay(format = "form", sign = "md5-concot")]
struct Pay {
    #[pay(sign = 1)]
    name: String,
    #[pay(sign = 2)]
    order_id: String,
}

fn main() {}
