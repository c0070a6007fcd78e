//! Each provider's parameter table printed from `SCHEMA`, snapshotted, and checked
//! against the rows of its gateway's document.

use paywire::schema::{Kind, Location, Schema};
use paywire::schema_table::markdown;
use paywire::PayRequest;
use paywire_providers::{feat, swiftpass, wechat_global, weidoufu, xorpay};

fn wire_names(schema: &Schema) -> Vec<&'static str> {
    schema
        .constants
        .iter()
        .map(|c| c.wire_name)
        .chain(schema.fields.iter().map(|f| f.wire_name))
        .collect()
}

#[test]
fn feat_table() {
    insta::assert_snapshot!("feat", markdown(feat::OrderPay::SCHEMA));
    assert_eq!(
        wire_names(feat::OrderPay::SCHEMA),
        ["pay_method", "end_type", "extra_params"]
    );
}

#[test]
fn weidoufu_table() {
    let schema = weidoufu::MiniappPay::SCHEMA;
    insta::assert_snapshot!("weidoufu", markdown(schema));
    // Every row of weidoufu's document's table; `sign` is the computed signature.
    assert_eq!(
        wire_names(schema),
        [
            "access_key",
            "body",
            "out_order_no",
            "pay_type",
            "total_fee",
            "openid",
            "buyer_id",
            "notify_url",
            "attach",
            "ledger"
        ]
    );
    assert_eq!(schema.sign.field, "sign");
    assert_eq!(schema.sign.key_name, "secret_key");
}

#[test]
fn swiftpass_table() {
    let schema = swiftpass::WapPay::SCHEMA;
    insta::assert_snapshot!("swiftpass", markdown(schema));
    let mut names = wire_names(schema);
    names.push(schema.sign.field);
    names.sort_unstable();
    let mut documented = vec![
        "service",
        "version",
        "charset",
        "sign_type",
        "out_trade_no",
        "mch_id",
        "sub_appid",
        "device_info",
        "nonce_str",
        "sign",
        "body",
        "attach",
        "mch_create_ip",
        "notify_url",
        "time_start",
        "time_expire",
        "goods_tag",
        "limit_credit_pay",
        "sub_openid",
        "total_fee",
    ];
    documented.sort_unstable();
    assert_eq!(
        names, documented,
        "the 19 rows of SwiftPass's table plus total_fee from its example"
    );
}

#[test]
fn wechat_global_table() {
    let schema = wechat_global::JsapiOrder::SCHEMA;
    insta::assert_snapshot!("wechat_global", markdown(schema));
    assert_eq!(schema.groups, ["direct", "institution"]);
    let Kind::Object(detail) = schema.field("detail").unwrap().kind else {
        panic!("detail is an object")
    };
    let Kind::Array(Kind::Object(goods)) = detail.field("goods_detail").unwrap().kind else {
        panic!("goods_detail is an array of objects")
    };
    assert_eq!(
        wire_names(goods),
        [
            "goods_id",
            "wxpay_goods_id",
            "goods_name",
            "quantity",
            "price"
        ]
    );
}

#[test]
fn xorpay_table() {
    let schema = xorpay::JsapiPay::SCHEMA;
    insta::assert_snapshot!("xorpay", markdown(schema));
    assert_eq!(schema.field("aid").unwrap().location, Location::Path);
    let signed: Vec<_> = schema
        .fields
        .iter()
        .filter(|f| f.signed)
        .map(|f| f.wire_name)
        .collect();
    assert_eq!(
        signed,
        ["name", "pay_type", "price", "order_id", "notify_url"]
    );
}

/// weidoufu's `jsapi` is one of three shapes (WeChat's parameters, Alipay's trade number,
/// or `''` on failure): its schema says so, and the table shows both objects' members.
#[test]
fn weidoufu_answer_jsapi_kind_names_each_shape() {
    use paywire::PayResponse;
    let schema = weidoufu::AnswerData::SCHEMA;
    let Kind::OneOf(shapes) = schema.field("jsapi").unwrap().kind else {
        panic!("jsapi is one of several shapes")
    };
    let names: Vec<String> = shapes.iter().map(|k| k.to_string()).collect();
    assert_eq!(
        names,
        ["object (WechatJsapi)", "object (AlipayJsapi)", "string"]
    );
    let table = markdown(schema);
    assert!(table.contains("### `jsapi` (WechatJsapi)"), "{table}");
    assert!(table.contains("| `pay_sign` |"), "{table}");
    assert!(table.contains("### `jsapi` (AlipayJsapi)"), "{table}");
    assert!(table.contains("| `trade_no` |"), "{table}");
    let json = paywire::json_schema::json_schema(schema);
    let any_of = json["properties"]["jsapi"]["anyOf"].as_array().unwrap();
    assert_eq!(any_of.len(), 3, "{json}");
    assert_eq!(any_of[2]["type"], "string");
}
