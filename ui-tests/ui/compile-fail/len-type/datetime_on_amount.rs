use paywire::{Fen, PayRequest};

#[derive(PayRequest)]
#[pay(format = "json", sign = "none")]
struct Refund {
    #[pay(datetime)]
    refunded_at: Fen,
}

fn main() {}
