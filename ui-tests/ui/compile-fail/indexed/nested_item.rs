//! The items of a family in a flat body have text members only.
use paywire::{PayObject, PayResponse};

#[derive(PayObject)]
struct Detail {
    name: String,
}

#[derive(PayObject)]
struct Refund {
    out_refund_no: String,
    detail: Detail,
}

#[derive(PayResponse)]
#[pay(format = "xml", sign = "none")]
struct Answer {
    refund_count: u32,
    #[pay(indexed(count = "refund_count"))]
    refunds: Vec<Refund>,
}

fn main() {}
