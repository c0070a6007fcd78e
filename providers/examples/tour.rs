//! A tour of the five ready-made requests: validate, sign and encode each one, then show
//! what a broken request reports. Run with `cargo run -p paywire-providers --example tour`.

use paywire::{PayRequest, Secret};

/// Encodes `request` with `key`: a `Secret` for the signed gateways, `()` for the unsigned
/// ones (featapi authenticates with a bearer token, WeChat Pay Global in a header).
fn show<T: PayRequest>(gateway: &str, request: &T, key: &T::Key) {
    println!("== {gateway} ({})", T::SCHEMA.name);
    match request.to_body(key) {
        Ok(body) => {
            let sign_string = request.sign_string_redacted();
            if !sign_string.is_empty() {
                println!("sign string : {sign_string}");
                println!("signature   : {}", request.signature(key));
            }
            println!("content-type: {}", body.content_type());
            println!("body        : {}\n", body.as_str());
        }
        Err(error) => println!("{error}\n"),
    }
}

fn main() {
    let key = Secret::new("192006250b4c09247ec02edce69f6a2d");
    show("featapi", &paywire_providers::feat::sample(), &());
    show("weidoufu", &paywire_providers::weidoufu::sample(), &key);
    show("swiftpass", &paywire_providers::swiftpass::sample(), &key);
    show(
        "wechat_global, direct mode",
        &paywire_providers::wechat_global::sample_direct(),
        &(),
    );
    show(
        "wechat_global, institution mode",
        &paywire_providers::wechat_global::sample_institution(),
        &(),
    );
    show("xorpay", &paywire_providers::xorpay::sample(), &key);

    let mut broken = paywire_providers::weidoufu::sample();
    broken.out_order_no = "1809016208".into();
    broken.body = "会员充值".repeat(3);
    broken.openid = None;
    show("weidoufu, broken on purpose", &broken, &key);
}
