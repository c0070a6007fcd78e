//! Signatures against published and independently computed vectors, and the gateway documents'
//! request examples decoded into the typed requests.

use paywire::{PayRequest, Secret};
use paywire_providers::{swiftpass, wechat_global, weidoufu, xorpay};
use paywire_tests::vector;
use serde_json::Value;

/// The WeChat Pay v2 documentation's signing example, declared as a user's own struct.
#[derive(Debug, Clone, PayRequest)]
#[pay(
    format = "xml",
    sign = "md5-sorted",
    sign_key = "key",
    sign_case = "upper"
)]
struct WechatV2Example {
    #[pay(len = 1..=32)]
    appid: String,
    #[pay(len = 1..=32)]
    mch_id: String,
    #[pay(len = 1..=32)]
    device_info: Option<String>,
    #[pay(len = 1..=128)]
    body: String,
    #[pay(len = 1..=32)]
    nonce_str: String,
}

/// The same table under HMAC-SHA256.
#[derive(Debug, Clone, PayRequest)]
#[pay(format = "xml", sign = "hmac-sha256-sorted", sign_key = "key")]
struct WechatV2HmacExample {
    appid: String,
    mch_id: String,
    device_info: Option<String>,
    body: String,
    nonce_str: String,
}

/// Decodes the vector's input (a JSON object keyed by wire names) into `T`, then checks
/// the sign string, signature and, if given, the body against the independent values.
fn check_vector<T: PayRequest<Key = paywire::Secret> + serde::de::DeserializeOwned>(
    name: &str,
) -> T {
    let v = vector(name);
    let request: T =
        serde_json::from_value(v["input"].clone()).unwrap_or_else(|e| panic!("{name}: {e}"));
    request
        .validate()
        .unwrap_or_else(|e| panic!("{name} should validate:\n{e}"));
    let key = Secret::new(v["secret"].as_str().unwrap());
    assert_eq!(
        request.sign_string(&key),
        v["sign_string"].as_str().unwrap(),
        "{name} sign string"
    );
    assert_eq!(
        request.signature(&key),
        v["signature"].as_str().unwrap(),
        "{name} signature"
    );
    if let Some(body) = v.get("body") {
        assert_eq!(
            request.to_body(&key).unwrap().as_str(),
            body.as_str().unwrap(),
            "{name} body"
        );
    }
    request
}

#[test]
fn wechat_v2_doc_example_md5_matches_the_published_signature() {
    check_vector::<WechatV2Example>("wechat_v2_doc_md5");
    // The published value itself, not only the fixture's copy of it.
    let req: WechatV2Example =
        serde_json::from_value(vector("wechat_v2_doc_md5")["input"].clone()).unwrap();
    assert_eq!(
        req.signature(&Secret::new("192006250b4c09247ec02edce69f6a2d")),
        "9A0A8659F005D6984697E2CA0A9CF3B7"
    );
}

#[test]
fn wechat_v2_doc_example_hmac_matches_the_published_signature() {
    let req = check_vector::<WechatV2HmacExample>("wechat_v2_doc_hmac");
    assert_eq!(
        req.signature(&Secret::new("192006250b4c09247ec02edce69f6a2d")),
        "6A9AE1657590FD6257D693A078E1C3E4BB6BA4DC30B23E0EE2496E54170DACD6"
    );
}

#[test]
fn weidoufu_signature_matches_an_independent_implementation() {
    let req = check_vector::<weidoufu::MiniappPay>("weidoufu_miniapp");
    assert_eq!(req.ledger.as_ref().unwrap().0[0].sub_mch_no, "xxxxxxxx");
}

#[test]
fn weidoufu_refund_signature_and_body_match_an_independent_implementation() {
    // Python's hashlib and json over the page's example order number (tests/fixtures/vectors.py).
    let refund = check_vector::<weidoufu::Refund>("weidoufu_refund");
    assert_eq!(refund.refund_fee, paywire::Fen::new(1));
}

#[test]
fn swiftpass_signature_matches_an_independent_implementation() {
    check_vector::<swiftpass::WapPay>("swiftpass_wap");
}

#[test]
fn xorpay_signature_and_form_body_match_an_independent_implementation() {
    let req = check_vector::<xorpay::JsapiPay>("xorpay_jsapi");
    assert_eq!(req.aid, "8e1d2b");
    assert_eq!(req.price.fen(), paywire::Fen::new(1));
}

/// The request example of SwiftPass's document, with its one defect repaired: the document closes
/// `<sub_openid>` with `</openid>`, which no XML parser accepts (tested below).
const SWIFTPASS_XML: &str = "<xml>
<service>pay.weixin.wap</service>
<charset>UTF-8</charset>
<sign_type>MD5</sign_type>
<sub_appid>wx2421b1c4370ec43b</sub_appid>
<attach>支付测试</attach>
<body>H5支付测试</body>
<mch_id>10000100</mch_id>
<nonce_str>1add1a30ac87aa2db72f57a2375d8fec</nonce_str>
<notify_url>http://wxpay.wxutil.com/pub_v2/pay/notify.v2.php</notify_url>
<sub_openid>oUpF8uMuAJO_M2pxb1Q9zNjWeS6o</sub_openid>
<out_trade_no>1415659990</out_trade_no>
<mch_create_ip>14.23.150.211</mch_create_ip>
<total_fee>1</total_fee>
<sign>0CB01533B8C1EF103065174F50BCA001</sign>
</xml>";

#[test]
fn swiftpass_request_example_decodes_and_validates() {
    let received = swiftpass::WapPay::from_body(SWIFTPASS_XML.as_bytes()).unwrap();
    let req = &received.request;
    req.validate().unwrap();
    assert_eq!(req.body, "H5支付测试");
    assert_eq!(req.total_fee, paywire::Fen::new(1));
    assert_eq!(req.sub_openid, "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o");
    assert_eq!(
        received.signature.as_deref(),
        Some("0CB01533B8C1EF103065174F50BCA001")
    );
    // Every received field is kept raw for verification, the constant included.
    assert_eq!(received.fields.len(), 13);
    assert_eq!(
        received.fields.get("service").and_then(|n| n.as_str()),
        Some("pay.weixin.wap")
    );
}

#[test]
fn swiftpass_request_example_as_printed_is_refused_for_its_mismatched_tag() {
    let printed = SWIFTPASS_XML.replace("</sub_openid>", "</openid>");
    let err = swiftpass::WapPay::from_body(printed.as_bytes()).unwrap_err();
    assert!(
        matches!(
            err,
            paywire::decode::DecodeError::Malformed { format: "xml", .. }
        ),
        "{err}"
    );
}

/// The two request examples of WeChat Pay Global's document, institution mode then direct mode, verbatim.
const WECHAT_GLOBAL_INSTITUTION: &str = r#"{
    "sp_appid": "wxdace645e0bc2c424",
    "sp_mchid": "10000100",
    "sub_mchid": "20000100",
    "out_trade_no": "YX201710140020Z",
    "merchant_category_code": "4111",
    "notify_url": "https://wxpay.wxutil.com/pub_v2/pay/notify.v2.php",
    "trade_type": "JSAPI",
    "amount": {
        "total": 10,
        "currency": "HKD"
    },
    "attach": "QR code test",
    "description": "QR code test",
    "goods_tag": "001",
    "detail": {
        "cost_price": 10000,
        "receipt_id": "1234",
        "goods_detail": [
            {
                "goods_id": "iphone6s_16G",
                "wxpay_goods_id": "1001",
                "goods_name": "iPhone6s 16G",
                "quantity": 1,
                "price": 10
            }
        ]
    },
    "scene_info": {
        "payer_client_ip": "14.23.150.211",
        "device_ip": "59.37.125.32",
        "device_id": "013467007045764",
        "operator_id": "P001",
        "store_info": {
            "id": "SZTX001"
        }
    }
}"#;

const WECHAT_GLOBAL_DIRECT: &str = r#"{
	"appid": "wx2421b1c4370ec43b",
	"mchid": "10000100",
	"out_trade_no": "YX202111100020Z",
	"merchant_category_code": "4111",
	"notify_url": "https://wxpay.wxutil.com/pub_v2/pay/notify.v2.php",
	"trade_type": "JSAPI",
	"amount": {
		"total": 10,
		"currency": "HKD"
	},
	"attach": "QR code test",
	"description": "QR code test",
	"goods_tag": "001",
	"detail": {
		"cost_price": 10000,
		"receipt_id": "1234",
		"goods_detail": [{
			"goods_id": "iphone6s_16G",
			"wxpay_goods_id": "1001",
			"goods_name": "iPhone6s 16G",
			"quantity": 1,
			"price": 10
		}]
	},
	"scene_info": {
		"payer_client_ip": "14.23.150.211",
		"device_ip": "59.37.125.32",
		"device_id": "013467007045764",
		"operator_id": "P001",
		"store_info": {
			"id": "SZTX001"
		}
	}
}"#;

/// The document's examples carry no `payer`, which its own error example refuses
/// (`PARAM_ERROR`, `#/properties/payer`): paywire refuses them as printed, at `#/payer`,
/// and accepts them with the smallest correction, a payer added for the mode.
fn with_payer(example: &str, payer: serde_json::Value) -> wechat_global::JsapiOrder {
    let mut value: Value = serde_json::from_str(example).unwrap();
    value["payer"] = payer;
    serde_json::from_value(value).unwrap()
}

fn refused_for_its_missing_payer(order: &wechat_global::JsapiOrder) {
    let errors = order.validate().unwrap_err();
    let paths: Vec<&str> = errors.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(paths, ["#/payer"], "{errors}");
}

#[test]
fn wechat_global_institution_example_decodes_and_validates_once_it_names_the_payer() {
    let order = wechat_global::JsapiOrder::from_body(WECHAT_GLOBAL_INSTITUTION.as_bytes())
        .unwrap()
        .request;
    refused_for_its_missing_payer(&order);
    let order = with_payer(
        WECHAT_GLOBAL_INSTITUTION,
        serde_json::json!({"sp_openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"}),
    );
    order.validate().unwrap();
    assert!(matches!(
        order.merchant(),
        Some(wechat_global::Merchant::Institution { .. })
    ));
    let goods = &order
        .detail
        .as_ref()
        .unwrap()
        .goods_detail
        .as_ref()
        .unwrap()[0];
    assert_eq!(goods.goods_name.as_deref(), Some("iPhone6s 16G"));
    assert_eq!(order.scene_info.unwrap().store_info.unwrap().id, "SZTX001");
}

#[test]
fn wechat_global_direct_example_decodes_and_validates_once_it_names_the_payer() {
    let order: wechat_global::JsapiOrder = serde_json::from_str(WECHAT_GLOBAL_DIRECT).unwrap();
    refused_for_its_missing_payer(&order);
    let order = with_payer(
        WECHAT_GLOBAL_DIRECT,
        serde_json::json!({"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"}),
    );
    order.validate().unwrap();
    assert_eq!(
        order.merchant(),
        Some(wechat_global::Merchant::Direct {
            mchid: "10000100".into(),
            appid: "wx2421b1c4370ec43b".into()
        })
    );
    assert_eq!(order.amount.total, 10);
}

/// The page also prints two fragments, `{"stock_id": ".NET", "limit": 10,}` and one with
/// `stock_creator_mchid`, whose members belong to none of this endpoint's tables (they
/// are WeChat Pay's coupon-stock members). As printed they are not JSON (a trailing
/// comma); with it removed, they are refused as JSAPI orders, `stock_id` named unknown.
#[test]
fn wechat_global_stock_fragments_are_not_orders() {
    for printed in [
        "{\n\"stock_id\": \".NET\",\n\"limit\": 10,\n}",
        "{\n\"stock_id\": \"Python\",\n\"stock_creator_mchid\": \"123456\",\n\"limit\": 10,\n}",
    ] {
        assert!(wechat_global::JsapiOrder::from_body(printed.as_bytes()).is_err());
        let corrected = printed.replace(",\n}", "\n}");
        let error = wechat_global::JsapiOrder::from_body(corrected.as_bytes())
            .unwrap_err()
            .to_string();
        assert!(error.contains("#/stock_id"), "{error}");
        assert!(error.contains("unknown field"), "{error}");
    }
}

#[test]
fn wechat_global_examples_survive_encode_and_decode_unchanged() {
    for (example, payer) in [
        (
            WECHAT_GLOBAL_INSTITUTION,
            serde_json::json!({"sp_openid": "o1"}),
        ),
        (WECHAT_GLOBAL_DIRECT, serde_json::json!({"openid": "o1"})),
    ] {
        let mut original: Value = serde_json::from_str(example).unwrap();
        original["payer"] = payer;
        let example = original.to_string();
        let order = wechat_global::JsapiOrder::from_body(example.as_bytes())
            .unwrap()
            .request;
        let body = order.to_unsigned_body().unwrap();
        assert_eq!(body.content_type(), "application/json; charset=utf-8");
        let encoded: Value = serde_json::from_slice(body.as_bytes()).unwrap();
        assert_eq!(encoded, original, "same members and values as the document");
        let again = wechat_global::JsapiOrder::from_body(body.as_bytes())
            .unwrap()
            .request;
        assert_eq!(again, order);
    }
}
