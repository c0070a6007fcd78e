//! The SwiftPass payment notification the notification bench and the instruction-count
//! example verify: 13 members, as the sandbox sends them, signed with [`KEY`].

use md5::{Digest, Md5};
use std::fmt::Write;

/// The merchant key the notification is signed with.
pub const KEY: &str = "61307e5f2aebcacecbcca6fe5296df9c";

/// A paid notification, signed with [`KEY`].
pub fn notification() -> Vec<u8> {
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
    xml.into_bytes()
}
