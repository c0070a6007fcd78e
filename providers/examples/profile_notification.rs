//! 20 000 SwiftPass payment notifications verified and read as a payment, for counting
//! instructions: `valgrind --tool=callgrind target/release/examples/profile_notification`.

use md5::{Digest, Md5};
use paywire::Secret;
use paywire_providers::swiftpass::{self, VerifyKey};
use std::fmt::Write;

const KEY: &str = "61307e5f2aebcacecbcca6fe5296df9c";

fn main() {
    let members = [
        ("charset", "UTF-8"),
        ("mch_id", "7551000001"),
        ("nonce_str", "9a2f1c3b8e7d4a6b"),
        ("out_trade_no", "T20240301000001"),
        ("pay_result", "0"),
        ("result_code", "0"),
        ("sign_type", "MD5"),
        ("status", "0"),
        ("time_end", "20240301120000"),
        ("total_fee", "100"),
        ("transaction_id", "42000000000000000000000000000001"),
        ("version", "2.0"),
    ];
    let joined: Vec<String> = members.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let digest = Md5::digest(format!("{}&key={KEY}", joined.join("&")).as_bytes());
    let sign = digest.iter().fold(String::new(), |mut hex, b| {
        let _ = write!(hex, "{b:02X}");
        hex
    });
    let mut xml = String::from("<xml>");
    for (k, v) in members {
        xml += &format!("<{k}><![CDATA[{v}]]></{k}>");
    }
    xml += &format!("<sign><![CDATA[{sign}]]></sign></xml>");

    let key = VerifyKey::Md5(Secret::new(KEY));
    let mut paid = 0u64;
    for _ in 0..20_000 {
        let verified = swiftpass::verify_notification(xml.as_bytes(), &key).expect("verifies");
        paid += verified.value.payment().expect("a payment").amount.get();
    }
    println!("{paid}");
}
