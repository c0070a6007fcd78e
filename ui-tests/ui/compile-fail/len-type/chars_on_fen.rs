use paywire::{Fen, PayRequest};

#[derive(PayRequest)]
#[pay(format = "json", sign = "none")]
struct Order {
    #[pay(chars = 1..=9)]
    total_fee: Fen,
}

fn main() {}
