//! 20 000 SwiftPass payment notifications verified and read as a payment, for counting
//! instructions: `valgrind --tool=callgrind target/release/examples/profile_notification`.

#[path = "../benches/swiftpass_sample.rs"]
mod swiftpass_sample;

use paywire::Secret;
use paywire_providers::swiftpass::{self, VerifyKey};
use swiftpass_sample::{notification, KEY};

fn main() {
    let body = notification();
    let key = VerifyKey::Md5(Secret::new(KEY));
    let mut paid = 0u64;
    for _ in 0..20_000 {
        let verified = swiftpass::verify_notification(&body, &key).expect("verifies");
        paid += verified.value.payment().expect("a payment").amount.get();
    }
    println!("{paid}");
}
