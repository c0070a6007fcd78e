use paywire::PayObject;

#[derive(PayObject)]
#[pay(sign_empty = "keep")]
struct Amount {
    total: u64,
}

fn main() {}
