//! `#[pay(signed_if(member = "value"))]`: signed success answers and the gateway's
//! unsigned failure answers in one declaration, as WeChat Pay v2 answers (a `FAIL`
//! `return_code` carries no `sign`). The signed vector's MD5 is computed here with the
//! md-5 crate over a sign string written out by hand (sorted members, `&key=`), not by
//! paywire's builder.

use md5::{Digest, Md5};
use paywire::{PayResponse, Secret, VerifyError};

/// The unified-order answer of WeChat Pay v2 (统一下单 返回结果), the members of its
/// document's example.
#[derive(Debug, Clone, PartialEq, Eq, PayResponse)]
#[pay(
    format = "xml",
    sign = "md5-sorted",
    sign_key = "key",
    signed_if(return_code = "SUCCESS")
)]
struct UnifiedOrderAnswer {
    #[pay(one_of("SUCCESS", "FAIL"))]
    return_code: String,
    #[pay(len = ..=128)]
    return_msg: Option<String>,
    #[pay(len = 1..=32, required_if(return_code = "SUCCESS"))]
    appid: Option<String>,
    #[pay(len = 1..=32, required_if(return_code = "SUCCESS"))]
    mch_id: Option<String>,
    #[pay(len = 1..=32)]
    nonce_str: Option<String>,
    #[pay(one_of("SUCCESS", "FAIL"))]
    result_code: Option<String>,
    #[pay(len = 1..=64)]
    prepay_id: Option<String>,
    #[pay(len = 1..=16)]
    trade_type: Option<String>,
}

const KEY: &str = "192006250b4c09247ec02edce69f6a2d";

/// The document's success answer, signed with [`KEY`].
fn signed_success(prepay_id: &str) -> String {
    let sign_string = format!(
        "appid=wx2421b1c4370ec43b&mch_id=10000100&nonce_str=IITRi8Iabbblz1Jc\
         &prepay_id={prepay_id}&result_code=SUCCESS&return_code=SUCCESS&return_msg=OK\
         &trade_type=JSAPI&key={KEY}"
    );
    let sign: String = Md5::digest(sign_string.as_bytes())
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect();
    format!(
        "<xml><return_code><![CDATA[SUCCESS]]></return_code><return_msg><![CDATA[OK]]></return_msg>\
         <appid><![CDATA[wx2421b1c4370ec43b]]></appid><mch_id><![CDATA[10000100]]></mch_id>\
         <nonce_str><![CDATA[IITRi8Iabbblz1Jc]]></nonce_str><sign><![CDATA[{sign}]]></sign>\
         <result_code><![CDATA[SUCCESS]]></result_code><prepay_id><![CDATA[{prepay_id}]]></prepay_id>\
         <trade_type><![CDATA[JSAPI]]></trade_type></xml>"
    )
}

fn verify(body: &str) -> Result<UnifiedOrderAnswer, VerifyError> {
    UnifiedOrderAnswer::verify_body(body.as_bytes(), &Secret::new(KEY)).map(|v| v.value)
}

#[test]
fn a_signed_success_verifies() {
    let answer = verify(&signed_success("wx201411101639507cbf6ffd8b0779950874")).unwrap();
    assert_eq!(
        answer.prepay_id.as_deref(),
        Some("wx201411101639507cbf6ffd8b0779950874")
    );
}

#[test]
fn an_unsigned_failure_comes_back_as_the_gateway_s_reason_never_as_verified() {
    let body = "<xml><return_code><![CDATA[FAIL]]></return_code>\
                <return_msg><![CDATA[签名失败]]></return_msg></xml>";
    match verify(body) {
        Err(VerifyError::Unsigned {
            member,
            value,
            fields,
        }) => {
            assert_eq!((member, value.as_str()), ("return_code", "FAIL"));
            assert_eq!(
                fields.get("return_msg").and_then(|n| n.as_str()),
                Some("签名失败")
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_success_without_its_signature_is_refused_not_read_as_unsigned() {
    // Stripping the signature of a success does not make it an unsigned answer: only the
    // declared failure value may come unsigned.
    let signed = signed_success("wx1");
    let (from, to) = (
        signed.find("<sign>").unwrap(),
        signed.find("</sign>").unwrap() + "</sign>".len(),
    );
    let body = format!("{}{}", &signed[..from], &signed[to..]);
    assert!(!body.contains("<sign>"));
    assert!(
        matches!(verify(&body), Err(VerifyError::SignatureMissing { .. })),
        "{:?}",
        verify(&body)
    );
    let forged = signed_success("wx1").replace("wx1", "wx2");
    assert_eq!(verify(&forged), Err(VerifyError::SignatureMismatch));
}

#[test]
fn a_failure_is_never_verified_even_with_a_signature_and_success_members() {
    // A message that says FAIL is the unsigned form whatever else it carries: a correct
    // signature over it changes nothing, and no prepay_id of it is ever handed out.
    let body = signed_success("wx1").replacen(
        "<return_code><![CDATA[SUCCESS]]>",
        "<return_code><![CDATA[FAIL]]>",
        1,
    );
    assert!(matches!(verify(&body), Err(VerifyError::Unsigned { .. })));
    // Without the member at all: not signed either, and not verified.
    let body = "<xml><return_msg><![CDATA[OK]]></return_msg></xml>";
    match verify(body) {
        Err(VerifyError::Unsigned { value, .. }) => assert_eq!(value, ""),
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_schema_names_the_condition() {
    let condition = UnifiedOrderAnswer::SCHEMA.signed_if.unwrap();
    assert_eq!(
        (condition.wire_name, condition.value),
        ("return_code", "SUCCESS")
    );
}
