//! A member whose value holds `&NAME=` for a member of its message is refused by every
//! sorted scheme's verification, though the signature over the merged message holds:
//! the sorted `k=v&k=v` string of `{a: "1&b=2"}` is the string of `{a: "1", b: "2"}`.
//! A URL member may carry a query string, and nothing else is refused.

use hmac::{Hmac, Mac};
use md5::{Digest, Md5};
use paywire::keys::MerchantKey;
use paywire::{PayResponse, VerifyError};
use sha2::Sha256;

const KEY: &str = "0123456789abcdef0123456789abcdef";

/// A notification signed by the sorted MD5 rule (`&key=`, upper-case hex).
#[derive(Debug, Clone, PayResponse)]
#[pay(format = "form", sign = "md5-sorted", sign_key = "key")]
pub struct Md5Notice {
    /// The merchant's order number (no format declared: any text).
    pub out_trade_no: String,
    /// Points spent, in fen.
    pub point_amount: Option<u64>,
    /// A return URL, which may carry a query.
    #[pay(url)]
    pub return_url: Option<String>,
}

/// The same table signed by HMAC-SHA256.
#[derive(Debug, Clone, PayResponse)]
#[pay(format = "form", sign = "hmac-sha256-sorted", sign_key = "key")]
pub struct HmacNotice {
    /// The merchant's order number.
    pub out_trade_no: String,
    /// Points spent, in fen.
    pub point_amount: Option<u64>,
}

/// The same table signed by SHA256withRSA.
#[derive(Debug, Clone, PayResponse)]
#[pay(format = "form", sign = "rsa-sha256-sorted")]
pub struct RsaNotice {
    /// The merchant's order number.
    pub out_trade_no: String,
    /// Points spent, in fen.
    pub point_amount: Option<u64>,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

/// A form body of `members` with `sign` appended (values percent-encoded).
fn form(members: &[(&str, &str)], sign: &str) -> Vec<u8> {
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (k, v) in members {
        out.append_pair(k, v);
    }
    out.append_pair("sign", sign);
    out.finish().into_bytes()
}

/// The genuine message, and the forgery that merges `point_amount` into `out_trade_no`:
/// the same sorted string.
const GENUINE: [(&str, &str); 2] = [("out_trade_no", "ORDER-1"), ("point_amount", "0")];
const MERGED: [(&str, &str); 1] = [("out_trade_no", "ORDER-1&point_amount=0")];
const SORTED: &str = "out_trade_no=ORDER-1&point_amount=0";

fn assert_ambiguous(err: VerifyError) {
    assert!(err.is_malformed(), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("out_trade_no") && text.contains("&point_amount="),
        "{text}"
    );
}

#[test]
fn md5_sorted_refuses_a_merged_member() {
    // Independent: the md-5 crate over the hand-written sorted string.
    let sign = hex(&Md5::digest(format!("{SORTED}&key={KEY}")));
    let key = paywire::Secret::new(KEY);
    let genuine = Md5Notice::verify_body(&form(&GENUINE, &sign), &key).unwrap();
    assert_eq!(genuine.value.out_trade_no, "ORDER-1");
    assert_ambiguous(Md5Notice::verify_body(&form(&MERGED, &sign), &key).unwrap_err());
}

#[test]
fn hmac_sha256_sorted_refuses_a_merged_member() {
    let mut mac = Hmac::<Sha256>::new_from_slice(KEY.as_bytes()).unwrap();
    mac.update(format!("{SORTED}&key={KEY}").as_bytes());
    let sign = hex(&mac.finalize().into_bytes());
    let key = paywire::Secret::new(KEY);
    HmacNotice::verify_body(&form(&GENUINE, &sign), &key).unwrap();
    assert_ambiguous(HmacNotice::verify_body(&form(&MERGED, &sign), &key).unwrap_err());
}

#[test]
fn rsa_sha256_sorted_refuses_a_merged_member() {
    let private = MerchantKey::from_pem(paywire_sandbox::keys::MERCHANT_PRIVATE_KEY_PEM).unwrap();
    let sign = private.sign_base64(SORTED.as_bytes());
    let public = private.public_key();
    RsaNotice::verify_body(&form(&GENUINE, &sign), &public).unwrap();
    assert_ambiguous(RsaNotice::verify_body(&form(&MERGED, &sign), &public).unwrap_err());
}

#[test]
fn a_url_may_carry_a_query_and_other_text_an_ampersand() {
    let key = paywire::Secret::new(KEY);
    let sign = |sorted: &str| hex(&Md5::digest(format!("{sorted}&key={KEY}")));
    // A URL member with a query naming a member: declared a URL, so not ambiguous.
    let url = "https://shop.example/back?a=1&point_amount=2";
    let sorted = format!("out_trade_no=ORDER-1&return_url={url}");
    let members = [("out_trade_no", "ORDER-1"), ("return_url", url)];
    Md5Notice::verify_body(&form(&members, &sign(&sorted)), &key).expect("a URL's query");
    // `&` followed by something that is no member of the message.
    for order in ["R&D-7", "A&B=C", "x&&point_amount"] {
        let sorted = format!("out_trade_no={order}");
        let verified =
            Md5Notice::verify_body(&form(&[("out_trade_no", order)], &sign(&sorted)), &key);
        assert_eq!(verified.expect(order).value.out_trade_no, order);
    }
    // A received member that is not declared counts as a member too.
    let sorted = "memo=a&extra=1&out_trade_no=ORDER-1";
    let members = [("memo", "a&extra=1"), ("out_trade_no", "ORDER-1")];
    let err = Md5Notice::verify_body(&form(&members, &sign(sorted)), &key);
    assert!(
        err.is_ok(),
        "extra is not received here, so memo is plain text"
    );
    let members = [
        ("extra", "1"),
        ("memo", "a&extra=1"),
        ("out_trade_no", "ORDER-1"),
    ];
    let sorted = "extra=1&memo=a&extra=1&out_trade_no=ORDER-1";
    let err = Md5Notice::verify_body(&form(&members, &sign(sorted)), &key).unwrap_err();
    assert!(err.to_string().contains("`memo` holds `&extra=`"), "{err}");
}
