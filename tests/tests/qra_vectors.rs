//! UnionPay's QRA gateway (`qra.95516.com/pay/gateway`) speaks the SwiftPass protocol
//! (`service`, sorted MD5 with `&key=`, `status` / `result_code`), so yansongda/pay's QRA
//! tests are published vectors for it: `AddPayloadSignaturePluginTest::testNormal`
//! (a `unified.trade.micropay` request, `DB571C2F…`) and `VerifySignaturePluginTest::
//! testNormal` (a signed business failure, `4B9B2AA7…`), with the QRA test key both
//! yansongda/pay and yuzhilue/unionpay use. Both were recomputed with Python's hashlib
//! before they were copied here.

use paywire::{PayRequest, Secret};
use paywire_providers::swiftpass::{self, SwiftpassError};

const KEY: &str = "979da4cfccbae7923641daa5dd7047c2";

/// `unified.trade.micropay` (付款码支付), declared here as a user's crate would declare the
/// next endpoint of a SwiftPass-family gateway.
#[derive(Debug, Clone, PayRequest)]
#[pay(
    format = "xml",
    sign = "md5-sorted",
    sign_key = "key",
    constant(service = "unified.trade.micropay")
)]
struct Micropay {
    #[pay(one_of("UTF-8"))]
    charset: Option<String>,
    #[pay(one_of("MD5"))]
    sign_type: Option<String>,
    #[pay(len = 1..=32)]
    mch_id: String,
    #[pay(len = 1..=32, trade_no)]
    out_trade_no: String,
    #[pay(len = 1..=127)]
    body: String,
    #[pay(range = 1..)]
    total_fee: paywire::Fen,
    #[pay(ip)]
    mch_create_ip: String,
    #[pay(len = 1..=128, alphanumeric)]
    auth_code: String,
    op_device_id: Option<String>,
    terminal_info: Option<String>,
    #[pay(len = 1..=32, alphanumeric)]
    nonce_str: String,
}

#[test]
fn a_micropay_request_signs_as_yansongda_pay_publishes() {
    let request = Micropay {
        charset: Some("UTF-8".into()),
        sign_type: Some("MD5".into()),
        mch_id: "QRA29045311KKR1".into(),
        out_trade_no: "pos-qra-20240106163401".into(),
        body: "测试商品".into(),
        total_fee: paywire::Fen::new(1),
        mch_create_ip: "127.0.0.1".into(),
        auth_code: "131969896307360385".into(),
        op_device_id: Some("123".into()),
        terminal_info: Some(r#"{"device_type":"07","terminal_id":"123"}"#.into()),
        nonce_str: "UhxOr4kzerPGku9wCaVQyfd1zisoAnAm".into(),
    };
    assert_eq!(
        request.signature(&Secret::new(KEY)),
        "DB571C2F75C657B42485CD07470F0FB9"
    );
}

const REFUSAL: &str = "<xml><charset><![CDATA[UTF-8]]></charset><code><![CDATA[9999999]]></code>\
<err_code><![CDATA[NOAUTH]]></err_code><err_msg><![CDATA[此商家涉嫌违规，收款功能已被限制，暂无法支付。\
商家可以登录微信商户平台/微信支付商家助手小程序查看原因和解决方案。]]></err_msg>\
<mch_id><![CDATA[QRA29045311KKR1]]></mch_id><need_query><![CDATA[N]]></need_query>\
<nonce_str><![CDATA[UhxOr4kzerPGku9wCaVQyfd1zisoAnAm]]></nonce_str><result_code><![CDATA[1]]></result_code>\
<sign><![CDATA[4B9B2AA73A05CBC32CFDCB4456E12EBA]]></sign><sign_type><![CDATA[MD5]]></sign_type>\
<status><![CDATA[0]]></status><transaction_id><![CDATA[95516000379952690603566602920171]]></transaction_id>\
<version><![CDATA[2.0]]></version></xml>";

#[test]
fn a_published_business_failure_verifies_and_is_a_refusal_with_its_signed_members() {
    let key = swiftpass::VerifyKey::Md5(Secret::new(KEY));
    match swiftpass::read_answer::<swiftpass::TradeQueryAnswer>(REFUSAL.as_bytes(), &key) {
        Err(SwiftpassError::Refused {
            result_code,
            err_code,
            fields,
            ..
        }) => {
            assert_eq!(result_code, "1");
            assert_eq!(err_code.as_deref(), Some("NOAUTH"));
            // Members the table does not list (`code`, `need_query`) are signed and kept.
            assert_eq!(fields.get("need_query").and_then(|n| n.as_str()), Some("N"));
        }
        other => panic!("{other:?}"),
    }
    // One member changed, or another key: not authentic, never a refusal to act on.
    let forged = REFUSAL.replace("NOAUTH", "SYSTEMERROR");
    assert!(matches!(
        swiftpass::read_answer::<swiftpass::TradeQueryAnswer>(forged.as_bytes(), &key),
        Err(SwiftpassError::Verify(
            paywire::VerifyError::SignatureMismatch
        ))
    ));
    let other = swiftpass::VerifyKey::Md5(Secret::new("61307e5f2aebcacecbcca6fe5296df9c"));
    assert!(matches!(
        swiftpass::read_answer::<swiftpass::TradeQueryAnswer>(REFUSAL.as_bytes(), &other),
        Err(SwiftpassError::Verify(
            paywire::VerifyError::SignatureMismatch
        ))
    ));
}
