use paywire::PayRequest;

#[derive(PayRequest)]
#[pay(format = "form", sign = "md5-sorted", sign_empty = "kept")]
struct Order {
    name: String,
}

fn main() {}
