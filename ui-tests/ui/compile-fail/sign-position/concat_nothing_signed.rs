use paywire::PayRequest;

#[derive(PayRequest)]
#[pay(format = "form", sign = "md5-concat")]
struct Pay {
    name: String,
}

fn main() {}
