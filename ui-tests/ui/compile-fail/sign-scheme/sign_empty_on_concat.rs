use paywire::PayRequest;

#[derive(PayRequest)]
#[pay(format = "form", sign = "md5-concat", sign_empty = "keep")]
struct Order {
    #[pay(sign = 1)]
    name: String,
}

fn main() {}
