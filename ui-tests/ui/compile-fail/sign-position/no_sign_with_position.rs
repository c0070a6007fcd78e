use paywire::PayRequest;

#[derive(PayRequest)]
#[pay(format = "form", sign = "md5-concat")]
struct Pay {
    #[pay(sign = 1, no_sign)]
    name: String,
}

fn main() {}
