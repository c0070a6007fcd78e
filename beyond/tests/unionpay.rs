//! UnionPay QRA (SwiftPass protocol, sorted MD5) declared from outside paywire.
//!
//! Vector: `tests/Plugin/Unipay/Qra/AddPayloadSignaturePluginTest.php` of the PHP SDK
//! `yansongda/pay` (`testNormal`: expected sign `DB571C2F75C657B42485CD07470F0FB9`) with
//! its `qra` test configuration's key, the test key of UnionPay's QRA demo merchant
//! `QRA29045311KKR1`. The SDK's own members `_aaa` (its internal prefix) and `a` (null)
//! are not sent, so they have no field here. Python's `hashlib.md5` over the same string
//! gives the same digest.

use paywire::{Fen, PayRequest, Secret};
use paywire_beyond::unionpay::Micropay;

const KEY: &str = "979da4cfccbae7923641daa5dd7047c2";

fn micropay() -> Micropay {
    Micropay {
        mch_id: "QRA29045311KKR1".into(),
        out_trade_no: "pos-qra-20240106163401".into(),
        body: "测试商品".into(),
        total_fee: Fen::new(1),
        mch_create_ip: "127.0.0.1".into(),
        auth_code: "131969896307360385".into(),
        op_device_id: Some("123".into()),
        terminal_info: Some(r#"{"device_type":"07","terminal_id":"123"}"#.into()),
        nonce_str: "UhxOr4kzerPGku9wCaVQyfd1zisoAnAm".into(),
    }
}

#[test]
fn the_request_signs_as_the_published_sdk_test_says() {
    let key = Secret::new(KEY);
    let request = micropay();
    request.validate().unwrap();
    assert_eq!(request.signature(&key), "DB571C2F75C657B42485CD07470F0FB9");
    assert_eq!(
        request.sign_string_redacted(),
        r#"auth_code=131969896307360385&body=测试商品&charset=UTF-8&mch_create_ip=127.0.0.1&mch_id=QRA29045311KKR1&nonce_str=UhxOr4kzerPGku9wCaVQyfd1zisoAnAm&op_device_id=123&out_trade_no=pos-qra-20240106163401&service=unified.trade.micropay&sign_type=MD5&terminal_info={"device_type":"07","terminal_id":"123"}&total_fee=1&key=***"#
    );
    let body = request.to_body(&key).unwrap();
    assert!(
        body.as_str()
            .contains("<sign>DB571C2F75C657B42485CD07470F0FB9</sign>"),
        "{}",
        body.as_str()
    );
}

#[test]
fn a_changed_member_or_key_changes_the_signature() {
    let key = Secret::new(KEY);
    let mut request = micropay();
    request.total_fee = Fen::new(2);
    assert_ne!(request.signature(&key), "DB571C2F75C657B42485CD07470F0FB9");
    assert_ne!(
        micropay().signature(&Secret::new("979da4cfccbae7923641daa5dd7047c3")),
        "DB571C2F75C657B42485CD07470F0FB9"
    );
}
