//! The gateways' documents' own examples, each as a test: used verbatim where the
//! document prints valid JSON / form text, otherwise with the smallest correction, named
//! beside it. Front-end payloads are checked against the documents' page demos.

use paywire::{PayRequest, Yuan};
use paywire_providers::{feat, swiftpass, weidoufu, xorpay};
use serde_json::{json, Value};

// ---------------------------------------------------------------- featapi

fn feat_order(end_type: u32, wx_app_type: &str, open_id: Option<&str>) -> feat::OrderPay {
    feat::OrderPay {
        pay_method: feat::pay_method::WECHAT,
        end_type,
        extra_params: Some(feat::ExtraParams {
            wx_app_type: Some(wx_app_type.into()),
            open_id: open_id.map(Into::into),
        }),
    }
}

/// Response example 1, verbatim: `official_account` + end_type 0 (NATIVE).
#[test]
fn featapi_native_answer_example() {
    let body = br#"{
    "data": {
        "trade_type": "NATIVE",
        "code_url": "weixin://wxpay/bizpayurl?pr=123456",
        "prepay_id": "wx99999999999999999999999efbe47b00000"
    }
}"#;
    let order = feat_order(feat::end_type::NATIVE, "official_account", None);
    order.validate().unwrap();
    let feat::PayResult::Native(data) = feat::read_answer(&order, 200, body).unwrap() else {
        panic!("NATIVE shape");
    };
    assert_eq!(data.trade_type, "NATIVE");
    assert_eq!(data.code_url, "weixin://wxpay/bizpayurl?pr=123456");
    assert_eq!(data.prepay_id, "wx99999999999999999999999efbe47b00000");
}

/// Response example 2, verbatim: `feat_ios_app` + end_type 100 (APP), `timestamp` a number.
#[test]
fn featapi_app_answer_example() {
    let body = br#"{
    "data": {
        "package": "Sign=WXPay",
        "timestamp": 1642748825,
        "prepayid": "wx99999999999999999999fa4d4bc0200000",
        "appid": "wxjifrogd7x8g09t5s",
        "partnerid": "1486158932",
        "noncestr": "e3dd9f348d8240ef81a0ada3ab1aae55",
        "sign": "D9SBS1VMZIPV6PJGHNQJRGPOWFBAPUOA"
    }
}"#;
    let order = feat_order(feat::end_type::APP, "feat_ios_app", None);
    order.validate().unwrap();
    let feat::PayResult::App(data) = feat::read_answer(&order, 200, body).unwrap() else {
        panic!("APP shape");
    };
    assert_eq!(data.timestamp.as_str(), "1642748825");
    assert_eq!(data.prepayid, "wx99999999999999999999fa4d4bc0200000");
    assert_eq!(data.partnerid, "1486158932");
    assert_eq!(data.sign, "D9SBS1VMZIPV6PJGHNQJRGPOWFBAPUOA");
}

/// Response example 3, verbatim: `official_account` + end_type 200 (JSAPI), at the top
/// level. Serialised, it is exactly WeixinJSBridge's object (`timeStamp` as the string
/// WeChat takes).
#[test]
fn featapi_jsapi_answer_example_is_the_weixin_js_bridge_object() {
    let body = br#"{
    "appId": "wx4444aa5566666777",
    "timeStamp": 1653377557,
    "nonceStr": "70041f30d95a41cdb42d07e8e5056a09",
    "package": "prepay_id=wx2415323785101221eb9b6f10663d3b0000",
    "signType": "MD5",
    "paySign": "9147CA32DE4278800CDFF927203348E9"
}"#;
    let order = feat_order(
        feat::end_type::JSAPI,
        "official_account",
        Some("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"),
    );
    order.validate().unwrap();
    let feat::PayResult::Jsapi(params) = feat::read_answer(&order, 200, body).unwrap() else {
        panic!("JSAPI shape");
    };
    let mut expected: Value = serde_json::from_slice(body).unwrap();
    expected["timeStamp"] = json!("1653377557");
    assert_eq!(serde_json::to_value(&params).unwrap(), expected);
}

/// The OAuth2 error example misses the comma after `"invalid_request"`; with it added, it
/// is the typed error, `device_id_required` included.
#[test]
fn featapi_oauth_error_example() {
    let printed = "{\n    \"error\": \"invalid_request\"\n    \"error_description\": \"device_id is required\"\n}";
    assert!(
        serde_json::from_str::<Value>(printed).is_err(),
        "invalid as printed"
    );
    let corrected = printed.replace("\"invalid_request\"\n", "\"invalid_request\",\n");
    match feat::read_token(400, corrected.as_bytes()).unwrap_err() {
        feat::FeatError::OAuth { status, error } => {
            assert_eq!(status, 400);
            assert!(error.device_id_required());
            assert_eq!(
                error.error_description.as_deref(),
                Some("device_id is required")
            );
        }
        other => panic!("{other:?}"),
    }
}

// ---------------------------------------------------------------- weidoufu

/// The document prints its answers as JavaScript object literals: the correction is
/// JSON's quoting (keys in double quotes, single-quoted strings double-quoted) and, in the
/// Alipay answer, the trailing comma after `trade_no` removed.
fn js_literal_to_json(literal: &str) -> String {
    let mut out = String::new();
    for line in literal.lines() {
        let line = line.trim();
        let line = match line.split_once(": ") {
            Some((key, rest)) if !key.starts_with('"') => format!("\"{key}\": {rest}"),
            _ => line.to_owned(),
        };
        out.push_str(&line.replace('\'', "\""));
        out.push('\n');
    }
    out.replace(",\n}", "\n}")
}

const WEIDOUFU_WECHAT_SUCCESS: &str = "{
code: 1,
message: \"成功\",
data: {
mch_trade_no: '202105135513716648486662',
out_order_no: '180901620895069445',
jsapi: {
app_id: 'wx369ab4160391bvbgg',
timestamp: '1620895076',
nonce_str: '82aafec92844bd7b7575e5d642911ac9',
package: 'prepay_id=wx1316375652779615245693f173dedb0000',
sign_type: 'MD5',
pay_sign: 'E1BDB03ECDC44F48CE1D4D353819318A'
}
}
}";

/// The WeChat success answer, and the document's uni-app demo fed from it:
/// `uni.requestPayment({provider: "wxpay", orderInfo: "wx", timeStamp: wxJsPackage.timestamp,
/// nonceStr: wxJsPackage.nonce_str, package: wxJsPackage.package, signType:
/// wxJsPackage.sign_type, paySign: wxJsPackage.pay_sign, ...})`.
#[test]
fn weidoufu_wechat_success_example_feeds_the_uni_request_payment_demo() {
    assert!(serde_json::from_str::<Value>(WEIDOUFU_WECHAT_SUCCESS).is_err());
    let body = js_literal_to_json(WEIDOUFU_WECHAT_SUCCESS);
    let data = weidoufu::read_answer(body.as_bytes()).unwrap();
    assert_eq!(data.mch_trade_no, "202105135513716648486662");
    assert_eq!(data.out_order_no, "180901620895069445");
    let weidoufu::Jsapi::Wechat(package) = &data.jsapi else {
        panic!("WeChat shape");
    };
    let demo = json!({
        "provider": "wxpay",
        "orderInfo": "wx",
        "timeStamp": "1620895076",
        "nonceStr": "82aafec92844bd7b7575e5d642911ac9",
        "package": "prepay_id=wx1316375652779615245693f173dedb0000",
        "signType": "MD5",
        "paySign": "E1BDB03ECDC44F48CE1D4D353819318A",
    });
    assert_eq!(
        serde_json::to_value(package.request_payment()).unwrap(),
        demo
    );
    // And for WeixinJSBridge (the same parameters under WeChat's names, appId included).
    let bridge = serde_json::to_value(package.signed_bridge_params()).unwrap();
    assert_eq!(bridge["appId"], "wx369ab4160391bvbgg");
    assert_eq!(bridge["paySign"], "E1BDB03ECDC44F48CE1D4D353819318A");
}

#[test]
fn weidoufu_alipay_success_and_failure_examples() {
    let alipay = "{
code: 1,
message: \"成功\",
data: {
mch_trade_no: '202105135513716648486662',
out_order_no: '180901620895069445',
jsapi: {
trade_no: '20211127220461494775747063371',
}
}
}";
    let data = weidoufu::read_answer(js_literal_to_json(alipay).as_bytes()).unwrap();
    assert_eq!(
        data.jsapi,
        weidoufu::Jsapi::Alipay(weidoufu::AlipayJsapi {
            trade_no: "20211127220461494775747063371".into()
        })
    );
    let failure = "{
code: 0,
message: \"签名错误\",
data: {
mch_trade_no: '202105135513716100622151',
out_order_no: '1809016208199613140',
jsapi: ''
}
}";
    match weidoufu::read_answer(js_literal_to_json(failure).as_bytes()).unwrap_err() {
        weidoufu::WeidoufuError::Refused { message, data } => {
            assert_eq!(message, "签名错误");
            let data = data.unwrap();
            assert_eq!(data.out_order_no, "1809016208199613140");
            assert_eq!(data.jsapi, weidoufu::Jsapi::Empty);
        }
        other => panic!("{other:?}"),
    }
}

// ---------------------------------------------------------------- XorPay

/// The POST body example, with its two print defects repaired: `¬ify_url` is
/// `&notify_url` (an `&not` entity rendered), and the signature has a space inside it. It
/// is a NATIVE order (`pay_type=native`, no `openid`), which the JSAPI endpoint refuses at
/// `pay_type`; as a JSAPI order it would need the `openid`.
#[test]
fn xorpay_post_body_example() {
    let printed = "pay_type=native&name=XorPay+ %E8%B4%A6%E6%88%B7%E5%85%85%E5%80%BC&order_uid=a%40b.com&order_id=14&price=0.01&sign=23f 486d9bb15x6b11f753547558626d7¬ify_url=http%3A%2F%2Fexample.com%3A3094%2Fpay_callback";
    let corrected = printed
        .replace('¬', "&not")
        .replace("sign=23f 486d", "sign=23f486d");
    let received = xorpay::JsapiPay::from_parts(
        corrected.as_bytes(),
        &[("aid", "8e1d2b")],
        &paywire::decode::Limits::default(),
    )
    .unwrap();
    let order = received.request;
    assert_eq!(order.name, "XorPay  账户充值");
    assert_eq!(order.order_uid.as_deref(), Some("a@b.com"));
    assert_eq!(order.price, "0.01".parse::<Yuan>().unwrap());
    assert_eq!(order.notify_url, "http://example.com:3094/pay_callback");
    assert_eq!(
        received.signature.as_deref(),
        Some("23f486d9bb15x6b11f753547558626d7")
    );
    let errors = order.validate().unwrap_err().to_string();
    assert!(errors.contains("#/pay_type"), "{errors}");
    // As a JSAPI order it still lacks the payer's openid.
    let jsapi = xorpay::JsapiPay {
        pay_type: "jsapi".into(),
        ..order
    };
    let errors = jsapi.validate().unwrap_err().to_string();
    assert!(
        errors.contains("#/openid") && !errors.contains("#/pay_type"),
        "{errors}"
    );
}

/// The page demo's `WeixinJSBridge.invoke('getBrandWCPayRequest', {...})` object has
/// exactly the members (and order) `info` serialises to.
#[test]
fn xorpay_info_is_the_weixin_js_bridge_object_of_the_page_demo() {
    let demo = json!({
        "appId": "wxeeeeeeeeeeeeeeee",
        "timeStamp": "0000000000",
        "nonceStr": "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        "package": "prepay_id=bbbbbbbbbbbbbbbbbbbbb",
        "signType": "MD5",
        "paySign": "MMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMM",
    });
    let answer = json!({"status": "ok", "aoid": "1a2b", "expire_in": 7200, "info": demo});
    let read = xorpay::read_answer(answer.to_string().as_bytes()).unwrap();
    let info = serde_json::to_string(&read.info).unwrap();
    let keys: Vec<String> = serde_json::from_str::<serde_json::Map<String, Value>>(&info)
        .unwrap()
        .keys()
        .cloned()
        .collect();
    assert_eq!(keys.len(), 6);
    assert_eq!(serde_json::from_str::<Value>(&info).unwrap(), demo);
    // Member order as the demo writes it.
    let positions: Vec<usize> = [
        "appId",
        "timeStamp",
        "nonceStr",
        "package",
        "signType",
        "paySign",
    ]
    .iter()
    .map(|k| info.find(&format!("\"{k}\"")).unwrap())
    .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{info}");
}

/// PHP-built gateways send an empty `data` (or `jsapi`) as `""`, `[]` or `null` with a
/// failure: the refusal and its message must still come through.
#[test]
fn weidoufu_failure_with_an_empty_data_or_jsapi_keeps_the_message() {
    for data in [
        r#""""#,
        "[]",
        "null",
        "{}",
        r#"{"mch_trade_no":"1","out_order_no":"1809016208199613140","jsapi":[]}"#,
        r#"{"mch_trade_no":"1","out_order_no":"1809016208199613140","jsapi":{}}"#,
    ] {
        let body = format!(r#"{{"code":0,"message":"签名错误","data":{data}}}"#);
        match weidoufu::read_answer(body.as_bytes()) {
            Err(weidoufu::WeidoufuError::Refused { message, .. }) => {
                assert_eq!(message, "签名错误", "{data}")
            }
            other => panic!("{data}: {other:?}"),
        }
    }
    // Without data at all.
    let body = r#"{"code":0,"message":"签名错误"}"#;
    assert!(matches!(
        weidoufu::read_answer(body.as_bytes()),
        Err(weidoufu::WeidoufuError::Refused { .. })
    ));
}

// ---------------------------------------------------------------- SwiftPass

/// "正确的返回", verbatim: `<appid>` twice, `result_code` `SUCCESS`, no `version` or
/// `charset` (which the table marks required).
const SWIFTPASS_SUCCESS: &str = "<xml>
<status>0</status>
<message><![CDATA[OK]]></message>
<appid><![CDATA[wx2421b1c4370ec43b]]></appid>
<mch_id><![CDATA[10000100]]></mch_id>
<appid><![CDATA[wx2421b1c4370ec43b]]></appid>
<nonce_str><![CDATA[IITRi8Iabbblz1Jc]]></nonce_str>
<sign><![CDATA[7921E432F65EB8ED0CE9755F0E86D72F]]></sign>
<result_code><![CDATA[SUCCESS]]></result_code>
<prepay_id><![CDATA[wx201411101639507cbf6ffd8b0779950874]]></prepay_id>
<trade_type><![CDATA[MWEB]]></trade_type>
<mweb_url><![CDATA[https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id=wx2016121516420242444321ca0631331346&package=1405458241]]></mweb_url>
</xml>";

/// "错误时返回", verbatim: the description as `err_code_des`, not the table's `err_msg`.
const SWIFTPASS_ERROR: &str = "<xml>
<status>0</status>
<message><![CDATA[OK]]></message>
<appid><![CDATA[wx2421b1c4370ec43b]]></appid>
<mch_id><![CDATA[10000100]]></mch_id>
<device_info><![CDATA[1000]]></device_info>
<nonce_str><![CDATA[sthBJ9QyUG6vkrjJ]]></nonce_str>
<sign><![CDATA[6277A96D7875D4FF23AA7B6A4C3046AB]]></sign>
<result_code>1</result_code>
<err_code><![CDATA[AUTHCODE_EXPIRE]]></err_code>
<err_code_des><![CDATA[二维码已过期, 请刷新再试]]></err_code_des>
</xml>";

/// The document does not print the key its examples were signed with, so the examples'
/// `<sign>` cannot be checked; it is replaced by one made here, with the md-5 crate over
/// the sorted `k=v` string built by hand from the example's members (each once).
fn resigned(example: &str, key: &str) -> String {
    use md5::{Digest, Md5};
    let mut members: Vec<(String, String)> = Vec::new();
    for line in example.lines() {
        let Some(rest) = line.strip_prefix('<') else {
            continue;
        };
        let Some((name, tail)) = rest.split_once('>') else {
            continue;
        };
        if name == "xml" || name.starts_with('/') || name == "sign" {
            continue;
        }
        let value = tail
            .trim_end_matches(&format!("</{name}>"))
            .trim_start_matches("<![CDATA[")
            .trim_end_matches("]]>");
        let member = (name.to_owned(), value.to_owned());
        if !members.contains(&member) {
            members.push(member);
        }
    }
    members.sort();
    let text: Vec<String> = members.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let digest = Md5::digest(format!("{}&key={key}", text.join("&")));
    let sign: String = digest.iter().map(|b| format!("{b:02X}")).collect();
    let start = example.find("<sign><![CDATA[").unwrap() + "<sign><![CDATA[".len();
    format!("{}{sign}{}", &example[..start], &example[start + 32..])
}

#[test]
fn swiftpass_success_answer_example() {
    let key = "a-test-key";
    let verify_key = swiftpass::VerifyKey::Md5(paywire::Secret::new(key));
    // As printed, its signature is from a key the document does not give.
    assert!(matches!(
        swiftpass::verify_response(SWIFTPASS_SUCCESS.as_bytes(), &verify_key),
        Err(swiftpass::SwiftpassError::Verify(
            paywire::VerifyError::SignatureMismatch
        ))
    ));
    let verified =
        swiftpass::verify_response(resigned(SWIFTPASS_SUCCESS, key).as_bytes(), &verify_key)
            .unwrap();
    let answer = &verified.value;
    assert!(answer.is_success());
    assert_eq!(
        (answer.version.as_deref(), answer.charset.as_deref()),
        (None, None)
    );
    assert_eq!(answer.trade_type.as_deref(), Some("MWEB"));
    assert_eq!(
        answer.prepay_id.as_deref(),
        Some("wx201411101639507cbf6ffd8b0779950874")
    );
    assert_eq!(
        answer.pay_url(),
        Some("https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id=wx2016121516420242444321ca0631331346&package=1405458241")
    );
    // `appid`, which the table does not list, is kept once.
    assert_eq!(
        verified.fields.get("appid").and_then(|n| n.as_str()),
        Some("wx2421b1c4370ec43b")
    );
}

#[test]
fn swiftpass_error_answer_example() {
    let key = "a-test-key";
    let verify_key = swiftpass::VerifyKey::Md5(paywire::Secret::new(key));
    match swiftpass::verify_response(resigned(SWIFTPASS_ERROR, key).as_bytes(), &verify_key) {
        Err(swiftpass::SwiftpassError::Business(answer)) => {
            assert_eq!(answer.result_code, "1");
            assert_eq!(answer.err_code.as_deref(), Some("AUTHCODE_EXPIRE"));
            assert_eq!(
                answer.err_code_des.as_deref(),
                Some("二维码已过期, 请刷新再试")
            );
            assert_eq!(answer.device_info.as_deref(), Some("1000"));
            let shown = swiftpass::SwiftpassError::Business(answer).to_string();
            assert!(shown.contains("二维码已过期"), "{shown}");
        }
        other => panic!("{other:?}"),
    }
}
