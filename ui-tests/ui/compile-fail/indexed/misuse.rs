//! Each misuse of `indexed` is reported at the token that is wrong.
use paywire::{Fen, PayObject, PayRequest, PayResponse};

#[derive(PayObject)]
struct Refund {
    out_refund_no: String,
    refund_fee: Fen,
}

// On a request: families are read from answers.
#[derive(PayRequest)]
#[pay(format = "xml", sign = "none")]
struct Query {
    refund_count: u32,
    #[pay(indexed(count = "refund_count"))]
    refunds: Vec<Refund>,
}

// In JSON, a list is an array.
#[derive(PayResponse)]
#[pay(format = "json", sign = "none")]
struct JsonAnswer {
    refund_count: u32,
    #[pay(indexed(count = "refund_count"))]
    refunds: Vec<Refund>,
}

// The count names no member; a rule that belongs on the items; not a Vec.
#[derive(PayResponse)]
#[pay(format = "xml", sign = "none")]
struct Answer {
    refund_count: u32,
    #[pay(indexed(count = "refund_cnt"))]
    refunds: Vec<Refund>,
    #[pay(indexed(count = "refund_count"), len = 1..=32)]
    again: Vec<Refund>,
    #[pay(indexed(count = "refund_count"))]
    single: Refund,
    #[pay(indexed(count = "itself"))]
    itself: Vec<Refund>,
    #[pay(indexed(counts = "refund_count"))]
    misspelled: Vec<Refund>,
    #[pay(indexed)]
    bare: Vec<Refund>,
}

fn main() {}
