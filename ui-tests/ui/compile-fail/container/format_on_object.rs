use paywire::PayObject;

#[derive(PayObject)]
#[pay(format = "json")]
struct Amount {
    total: u64,
}

fn main() {}
