use paywire::PayRequest;

#[derive(PayRequest)]
#[pay(format = "json", sign = "none")]
struct Order {
    #[pay(rfc3339)]
    time_start: u64,
}

fn main() {}
