//! featapi's three answer shapes and OAuth errors, and WeChat Pay v2's `paySign` that
//! featapi, weidoufu and XorPay hand a front end, produced and verified.

use paywire::{PayRequest, VerifyError};
use paywire_providers::feat;
use paywire_providers::wechat::v2::{AppParams, BridgeParams};
use paywire_tests::{secret_of, text, vector};

/// A featapi JSAPI order (`official_account`, the default app type).
fn feat_jsapi_order() -> feat::OrderPay {
    feat::OrderPay {
        pay_method: 200,
        end_type: feat::end_type::JSAPI,
        extra_params: Some(feat::ExtraParams {
            wx_app_type: None,
            open_id: Some("o1".into()),
        }),
    }
}

#[test]
fn feat_three_success_shapes() {
    let native_req = paywire_providers::feat::sample();
    let native =
        br#"{"data":{"trade_type":"NATIVE","code_url":"weixin://wxpay/bizpayurl?pr=123456",
        "prepay_id":"wx99999999999999999999999efbe47b00000"}}"#;
    assert!(
        matches!(feat::read_answer(&native_req, 200, native).unwrap(), feat::PayResult::Native(d) if d.code_url == "weixin://wxpay/bizpayurl?pr=123456")
    );

    let app_req = feat::OrderPay {
        pay_method: 200,
        end_type: feat::end_type::APP,
        extra_params: Some(feat::ExtraParams {
            wx_app_type: Some("feat_ios_app".into()),
            open_id: None,
        }),
    };
    let v = vector("v2_app_sign");
    let app = format!(
        r#"{{"data":{{"package":"Sign=WXPay","timestamp":1642748825,"prepayid":"wx99999999999999999999fa4d4bc0200000",
        "appid":"wxjifrogd7x8g09t5s","partnerid":"1486158932","noncestr":"e3dd9f348d8240ef81a0ada3ab1aae55","sign":"{}"}}}}"#,
        text(&v, "/signature")
    );
    let feat::PayResult::App(data) = feat::read_answer(&app_req, 200, app.as_bytes()).unwrap()
    else {
        panic!("app")
    };
    data.verify(&secret_of("v2_app_sign")).unwrap();
    assert_eq!(
        data.timestamp.as_str(),
        "1642748825",
        "a JSON number keeps its digits"
    );

    let jsapi_req = feat_jsapi_order();
    let jsapi = br#"{"appId":"wx4444aa5566666777","timeStamp":1653377557,"nonceStr":"70041f30d95a41cdb42d07e8e5056a09",
        "package":"prepay_id=wx2415323785101221eb9b6f10663d3b0000","signType":"MD5","paySign":"9147CA32DE4278800CDFF927203348E9"}"#;
    let feat::PayResult::Jsapi(params) = feat::read_answer(&jsapi_req, 200, jsapi).unwrap() else {
        panic!("jsapi")
    };
    assert_eq!(
        params.verify(&secret_of("v2_jsapi_pay_sign")),
        Err(VerifyError::SignatureMismatch),
        "the document's paySign was made with another key"
    );
    assert_eq!(
        params.params().signature(&secret_of("v2_jsapi_pay_sign")),
        text(&vector("v2_jsapi_pay_sign"), "/signature")
    );
}

/// A 2xx answer is read in the shape its request asked for: the JSAPI object at the top
/// level answering a NATIVE order, a NATIVE `data` answering a JSAPI order, or a shape
/// missing a member, is malformed, never a success.
#[test]
fn feat_answer_in_another_shape_is_malformed() {
    let native_req = paywire_providers::feat::sample();
    let jsapi_req = feat_jsapi_order();
    let jsapi = r#"{"appId":"wx4444aa5566666777","timeStamp":1653377557,"nonceStr":"n",
        "package":"prepay_id=wx1","signType":"MD5","paySign":"9147CA32DE4278800CDFF927203348E9"}"#;
    let native = r#"{"data":{"trade_type":"NATIVE","code_url":"weixin://wxpay/bizpayurl?pr=1","prepay_id":"wx1"}}"#;
    let without_code_url = r#"{"data":{"trade_type":"NATIVE","prepay_id":"wx1"}}"#;
    for (request, body) in [
        (&native_req, jsapi),
        (&jsapi_req, native),
        (&native_req, without_code_url),
        (&native_req, "{}"),
    ] {
        match feat::read_answer(request, 200, body.as_bytes()) {
            Err(feat::FeatError::Decode(e)) => assert!(e.is_malformed(), "{body}: {e:?}"),
            other => panic!("{body}: {other:?}"),
        }
    }
}

#[test]
fn feat_oauth_errors_are_typed_with_their_statuses() {
    let req = paywire_providers::feat::sample();
    // The document's example lacks a comma; the corrected body:
    let body = br#"{"error": "invalid_request", "error_description": "device_id is required"}"#;
    match feat::read_answer(&req, 400, body).unwrap_err() {
        feat::FeatError::OAuth { status: 400, error } => {
            assert!(error.device_id_required());
            assert_eq!(
                error.to_string(),
                "featapi OAuth2 error invalid_request: device_id is required"
            );
        }
        other => panic!("{other:?}"),
    }
    let as_printed = b"{\n    \"error\": \"invalid_request\"\n    \"error_description\": \"device_id is required\"\n}";
    assert!(
        matches!(feat::read_answer(&req, 400, as_printed), Err(feat::FeatError::Decode(e)) if e.is_malformed())
    );
    let codes = [
        ("invalid_request", 400),
        ("invalid_client", 401),
        ("invalid_grant", 400),
        ("unauthorized_client", 400),
        ("unsupported_grant_type", 400),
        ("invalid_scope", 400),
        ("invalid_token", 401),
        ("insufficient_scope", 403),
    ];
    for (code, status) in codes {
        let body = format!(r#"{{"error":"{code}"}}"#);
        let feat::FeatError::OAuth { error, .. } =
            feat::read_answer(&req, status, body.as_bytes()).unwrap_err()
        else {
            panic!("{code}")
        };
        assert_eq!(error.error.as_str(), code);
        assert!(!matches!(error.error, feat::OAuthErrorCode::Other(_)));
        assert_eq!(error.error.http_status(), status);
        assert_eq!(error.error_description, None);
    }
}

#[test]
fn v2_pay_sign_is_produced_and_verified() {
    let v = vector("v2_jsapi_pay_sign");
    let params: BridgeParams = serde_json::from_value(v["input"].clone()).unwrap();
    let key = secret_of("v2_jsapi_pay_sign");
    assert_eq!(params.sign_string(&key), text(&v, "/sign_string"));
    let pay_sign = params.signature(&key);
    assert_eq!(pay_sign, text(&v, "/signature"));
    params.verify_pay_sign(&pay_sign, &key).unwrap();
    assert_eq!(
        params.verify_pay_sign("", &key),
        Err(VerifyError::SignatureMissing {
            field: "paySign".into()
        })
    );
    let mut other = params.clone();
    other.package = "prepay_id=other".into();
    assert_eq!(
        other.verify_pay_sign(&pay_sign, &key),
        Err(VerifyError::SignatureMismatch)
    );
    let body: serde_json::Value =
        serde_json::from_slice(params.to_body(&key).unwrap().as_bytes()).unwrap();
    assert_eq!(
        body["paySign"],
        pay_sign.as_str(),
        "the body the front end needs, paySign included"
    );

    let v = vector("v2_app_sign");
    let app: AppParams = serde_json::from_value(v["input"].clone()).unwrap();
    assert_eq!(
        app.signature(&secret_of("v2_app_sign")),
        text(&v, "/signature")
    );
}
