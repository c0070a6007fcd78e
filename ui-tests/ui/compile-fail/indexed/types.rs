//! The count is an unsigned integer member and the items are declared objects: each
//! mistake is reported at the count or the item type.
use paywire::PayResponse;

#[derive(PayResponse)]
#[pay(format = "xml", sign = "none")]
struct Answer {
    refund_count: String,
    #[pay(indexed(count = "refund_count"))]
    refunds: Vec<String>,
}

fn main() {}
