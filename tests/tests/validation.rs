//! Every rule of every provider at its boundaries: the limit, one past it, a CJK
//! character crossing a byte limit, empty, missing, and the wrong mode mix.

use paywire::{Actual, Fen, JsonText, PayRequest, SchemaErrors, Secret, Yuan};
use paywire_providers::{feat, swiftpass, wechat_global as wg, weidoufu, xorpay};

/// `(path, rule, actual)` of each violation, for exact assertions.
fn report(result: Result<(), SchemaErrors>) -> Vec<(String, &'static str, Actual)> {
    match result {
        Ok(()) => Vec::new(),
        Err(errors) => errors
            .iter()
            .map(|e| (e.path.clone(), e.violation.rule_name(), e.actual.clone()))
            .collect(),
    }
}

fn one(path: &str, rule: &'static str, actual: Actual) -> Vec<(String, &'static str, Actual)> {
    vec![(path.to_owned(), rule, actual)]
}

// ---------------------------------------------------------------- weidoufu

fn weidoufu() -> weidoufu::MiniappPay {
    let mut r = paywire_providers::weidoufu::sample();
    r.ledger = None;
    r
}

#[test]
fn weidoufu_valid_request_passes() {
    assert_eq!(report(weidoufu().validate()), vec![]);
}

#[test]
fn weidoufu_body_counts_utf8_bytes() {
    let mut r = weidoufu();
    r.body = "会".repeat(10) + "ab"; // 32 bytes, 12 characters
    assert_eq!(report(r.validate()), vec![]);
    r.body = "会".repeat(10) + "abc"; // 33 bytes
    assert_eq!(
        report(r.validate()),
        one("#/body", "len", Actual::Bytes(33))
    );
    r.body = "会".repeat(11); // 11 characters, 33 bytes: a CJK character crossing the limit
    assert_eq!(
        report(r.validate()),
        one("#/body", "len", Actual::Bytes(33))
    );
    r.body = String::new();
    assert_eq!(
        report(r.validate()),
        one("#/body", "required", Actual::Missing)
    );
}

#[test]
fn weidoufu_out_order_no_is_18_to_32_letters_and_digits() {
    let mut r = weidoufu();
    r.out_order_no = "1".repeat(17);
    assert_eq!(
        report(r.validate()),
        one("#/out_order_no", "len", Actual::Bytes(17))
    );
    r.out_order_no = "1".repeat(18);
    assert_eq!(report(r.validate()), vec![]);
    r.out_order_no = "A".repeat(32);
    assert_eq!(report(r.validate()), vec![]);
    r.out_order_no = "A".repeat(33);
    assert_eq!(
        report(r.validate()),
        one("#/out_order_no", "len", Actual::Bytes(33))
    );
    r.out_order_no = "18090162089506944_".into();
    assert_eq!(
        report(r.validate()),
        one(
            "#/out_order_no",
            "alphanumeric",
            Actual::Text("18090162089506944_".into())
        )
    );
}

#[test]
fn weidoufu_pay_type_total_fee_and_notify_url() {
    let mut r = weidoufu();
    r.pay_type = 3;
    r.total_fee = Fen::new(0);
    r.notify_url = "/notify_url".into();
    assert_eq!(
        report(r.validate()),
        vec![
            ("#/pay_type".into(), "one_of", Actual::Text("3".into())),
            ("#/total_fee".into(), "range", Actual::Fen(0)),
            (
                "#/notify_url".into(),
                "url",
                Actual::Text("/notify_url".into())
            ),
        ]
    );
    let mut r = weidoufu();
    r.total_fee = Fen::new(999_999_999);
    assert_eq!(report(r.validate()), vec![]);
    r.total_fee = Fen::new(1_000_000_000);
    assert_eq!(
        report(r.validate()),
        one("#/total_fee", "range", Actual::Fen(1_000_000_000))
    );
}

#[test]
fn weidoufu_openid_or_buyer_id_follows_pay_type() {
    let mut r = weidoufu();
    r.openid = None;
    assert_eq!(
        report(r.validate()),
        vec![
            ("#".into(), "group", Actual::Missing),
            ("#/openid".into(), "required_if", Actual::Missing)
        ]
    );
    r.pay_type = 2;
    r.buyer_id = Some("2088102146225135".into());
    assert_eq!(report(r.validate()), vec![]);
    r.openid = Some("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o".into());
    assert_eq!(
        report(r.validate()),
        one("#/buyer_id", "group", Actual::Set),
        "二选一: not both"
    );
    r.buyer_id = None;
    assert_eq!(
        report(r.validate()),
        one("#/buyer_id", "required_if", Actual::Missing)
    );
}

#[test]
fn weidoufu_ledger_is_measured_as_its_json_text() {
    let receiver = |id: String| weidoufu::LedgerReceiver {
        amount: Fen::new(1),
        sub_mch_no: id,
    };
    // {"amount":1,"sub_mch_no":"00000000"} is 36 bytes; 13 of them with commas and
    // brackets make 482, so a last id 30 bytes longer lands exactly on the 512 limit.
    let ledger = |last_id_len: usize| {
        let mut receivers: Vec<_> = (0..12).map(|i| receiver(format!("{i:08}"))).collect();
        receivers.push(receiver("9".repeat(last_id_len)));
        Some(JsonText(receivers))
    };
    let mut r = weidoufu();
    r.ledger = ledger(38);
    assert_eq!(r.ledger.as_ref().unwrap().to_text().len(), 512);
    assert_eq!(
        report(r.validate()),
        one("#/ledger/12/sub_mch_no", "len", Actual::Bytes(38))
    );
    r.ledger = ledger(8);
    assert_eq!(report(r.validate()), vec![]);
    r.ledger = Some(JsonText(
        (0..14).map(|i| receiver(format!("{i:08}"))).collect(),
    ));
    assert_eq!(
        report(r.validate()),
        one("#/ledger", "len", Actual::Bytes(14 * 36 + 13 + 2))
    );
}

#[test]
fn weidoufu_reports_every_violation_at_once() {
    let mut r = weidoufu();
    r.access_key = String::new();
    r.body = "x".repeat(40);
    r.out_order_no = "short".into();
    r.pay_type = 9;
    r.attach = Some("a".repeat(129));
    let errors = r.validate().unwrap_err();
    insta::assert_snapshot!("weidoufu_report", errors.to_string());
    assert_eq!(errors.len(), 5);
}

// ---------------------------------------------------------------- swiftpass

fn swiftpass() -> swiftpass::WapPay {
    paywire_providers::swiftpass::sample()
}

#[test]
fn swiftpass_valid_request_passes() {
    assert_eq!(report(swiftpass().validate()), vec![]);
}

#[test]
fn swiftpass_string_limits_are_bytes() {
    let mut r = swiftpass();
    r.body = "测".repeat(42) + "ab"; // 128 bytes
    r.attach = Some("a".repeat(128));
    r.out_trade_no = "9".repeat(45);
    assert_eq!(report(r.validate()), vec![]);
    r.body = "测".repeat(43); // 129 bytes
    r.attach = Some("a".repeat(129));
    r.out_trade_no = "9".repeat(46);
    assert_eq!(
        report(r.validate()),
        vec![
            ("#/out_trade_no".into(), "len", Actual::Bytes(46)),
            ("#/body".into(), "len", Actual::Bytes(129)),
            ("#/attach".into(), "len", Actual::Bytes(129)),
        ]
    );
}

#[test]
fn swiftpass_ip_time_and_flags() {
    let mut r = swiftpass();
    r.mch_create_ip = "255.255.255.255".into();
    r.time_start = Some("20091225091010".into());
    r.time_expire = Some("20091227091010".into());
    r.limit_credit_pay = Some("1".into());
    assert_eq!(report(r.validate()), vec![]);
    r.mch_create_ip = "14.23.150".into();
    r.time_start = Some("2009122509101".into());
    r.time_expire = Some("20091327091010".into());
    r.limit_credit_pay = Some("2".into());
    r.charset = Some("GBK".into());
    assert_eq!(
        report(r.validate()),
        vec![
            ("#/charset".into(), "one_of", Actual::Text("GBK".into())),
            (
                "#/mch_create_ip".into(),
                "ip",
                Actual::Text("14.23.150".into())
            ),
            ("#/time_start".into(), "len", Actual::Bytes(13)),
            (
                "#/time_start".into(),
                "compact_time",
                Actual::Text("2009122509101".into())
            ),
            (
                "#/time_expire".into(),
                "compact_time",
                Actual::Text("20091327091010".into())
            ),
            (
                "#/limit_credit_pay".into(),
                "one_of",
                Actual::Text("2".into())
            ),
        ]
    );
}

#[test]
fn swiftpass_required_fields_and_empty_optionals() {
    let mut r = swiftpass();
    r.sub_openid = String::new();
    r.nonce_str = String::new();
    r.device_info = Some(String::new());
    assert_eq!(
        report(r.validate()),
        vec![
            ("#/device_info".into(), "len", Actual::Bytes(0)),
            ("#/nonce_str".into(), "required", Actual::Missing),
            ("#/sub_openid".into(), "required", Actual::Missing),
        ]
    );
}

// ---------------------------------------------------------------- wechat_global

fn direct() -> wg::JsapiOrder {
    paywire_providers::wechat_global::sample_direct()
}

fn institution() -> wg::JsapiOrder {
    paywire_providers::wechat_global::sample_institution()
}

#[test]
fn wechat_global_both_modes_pass() {
    assert_eq!(report(direct().validate()), vec![]);
    assert_eq!(report(institution().validate()), vec![]);
}

#[test]
fn wechat_global_refuses_a_mode_mix_and_no_mode() {
    let mut mixed = direct();
    mixed.sp_mchid = Some("10000100".into());
    mixed.sub_mchid = Some("20000100".into());
    assert_eq!(
        report(mixed.validate()),
        vec![
            ("#/sub_mchid".into(), "group", Actual::Set),
            ("#/sp_mchid".into(), "group", Actual::Set),
            ("#/payer/openid".into(), "group", Actual::Set),
        ]
    );
    let message = mixed.validate().unwrap_err().to_string();
    assert!(
        message.contains("group `institution` excludes group `direct` (`mchid` is set)"),
        "{message}"
    );

    let mut neither = direct();
    neither.mchid = None;
    neither.appid = None;
    assert_eq!(
        report(neither.validate()),
        one("#", "group", Actual::Missing)
    );

    let mut half = direct();
    half.appid = None;
    assert_eq!(
        report(half.validate()),
        one("#/appid", "required", Actual::Missing)
    );

    let mut half = institution();
    half.sub_mchid = None;
    assert_eq!(
        report(half.validate()),
        one("#/sub_mchid", "required", Actual::Missing)
    );
}

#[test]
fn wechat_global_sub_openid_requires_sub_appid_and_payer_ids_follow_the_mode() {
    let mut order = institution();
    order.payer = Some(wg::Payer {
        sub_openid: Some("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o".into()),
        ..wg::Payer::default()
    });
    assert_eq!(
        report(order.validate()),
        one("#/sub_appid", "required_with", Actual::Missing)
    );
    order.sub_appid = Some("wx8888888888888888".into());
    assert_eq!(report(order.validate()), vec![]);

    let mut order = direct();
    order.payer = Some(wg::Payer {
        sp_openid: Some("o1".into()),
        ..wg::Payer::default()
    });
    // Both are true: direct mode names no payer.openid, and sp_openid is the other mode's.
    assert_eq!(
        report(order.validate()),
        [
            one("#/payer", "required", Actual::Missing),
            one("#/payer/sp_openid", "group", Actual::Set)
        ]
        .concat()
    );
}

#[test]
fn wechat_global_jsapi_needs_a_payer_in_either_mode() {
    for (mut order, mode) in [
        (direct(), "payer.openid"),
        (institution(), "payer.sp_openid"),
    ] {
        order.payer = None;
        let errors = order.validate().unwrap_err();
        assert_eq!(
            report(Err(errors.clone())),
            one("#/payer", "required", Actual::Missing)
        );
        assert!(errors.to_string().contains(mode), "{errors}");
        order.payer = Some(wg::Payer::default()); // `payer: {}`
        assert_eq!(
            report(order.validate()),
            one("#/payer", "required", Actual::Missing)
        );
    }
}

#[test]
fn wechat_global_byte_limits_utf8mb3_and_formats() {
    let mut order = direct();
    order.description = "店".repeat(42) + "a"; // 127 bytes
    assert_eq!(report(order.validate()), vec![]);
    order.description = "店".repeat(43); // 129 bytes, 43 characters
    order.attach = Some("gift 🎁".into());
    order.notify_url = "http://example.com/notify".into();
    order.time_start = Some("2018-06-08 10:34:56".into());
    order.trade_type = "JSAPIX".into();
    assert_eq!(
        report(order.validate()),
        vec![
            ("#/description".into(), "len", Actual::Bytes(129)),
            ("#/attach".into(), "utf8mb3", Actual::Text("gift 🎁".into())),
            (
                "#/notify_url".into(),
                "https_url",
                Actual::Text("http://example.com/notify".into())
            ),
            (
                "#/trade_type".into(),
                "one_of",
                Actual::Text("JSAPIX".into())
            ),
            (
                "#/time_start".into(),
                "rfc3339",
                Actual::Text("2018-06-08 10:34:56".into())
            ),
        ]
    );
    let mut order = direct();
    order.notify_url = "https://example.com/notify?order=1".into();
    order.time_expire = Some("2018-06-08T10:34:56+08:00".into());
    assert_eq!(
        report(order.validate()),
        one(
            "#/notify_url",
            "https_url",
            Actual::Text("https://example.com/notify?order=1".into())
        )
    );
}

#[test]
fn wechat_global_nested_errors_carry_json_pointers() {
    let mut order = direct();
    order.amount.total = 0;
    order.scene_info = Some(wg::SceneInfo {
        payer_client_ip: Some("not-an-ip".into()),
        store_info: Some(wg::StoreInfo {
            id: String::new(),
            name: None,
            address: Some("地".repeat(22)),
        }),
        ..wg::SceneInfo::default()
    });
    order.detail = Some(wg::Detail {
        cost_price: Some(10000),
        receipt_id: None,
        goods_detail: Some(vec![
            wg::GoodsDetail {
                goods_id: "ok".into(),
                wxpay_goods_id: None,
                goods_name: Some("n".repeat(256)),
                quantity: 1,
                price: 10,
            },
            wg::GoodsDetail {
                goods_id: "iphone6s_16G".into(),
                wxpay_goods_id: None,
                goods_name: Some("n".repeat(257)),
                quantity: 0,
                price: 10,
            },
        ]),
    });
    assert_eq!(
        report(order.validate()),
        vec![
            ("#/amount/total".into(), "range", Actual::Int(0)),
            (
                "#/scene_info/payer_client_ip".into(),
                "ip",
                Actual::Text("not-an-ip".into())
            ),
            (
                "#/scene_info/store_info/id".into(),
                "required",
                Actual::Missing
            ),
            (
                "#/scene_info/store_info/address".into(),
                "len",
                Actual::Bytes(66)
            ),
            (
                "#/detail/goods_detail/1/goods_name".into(),
                "len",
                Actual::Bytes(257)
            ),
            (
                "#/detail/goods_detail/1/quantity".into(),
                "range",
                Actual::Int(0)
            ),
        ]
    );
}

// ---------------------------------------------------------------- xorpay

fn xorpay() -> xorpay::JsapiPay {
    paywire_providers::xorpay::sample()
}

#[test]
fn xorpay_rules() {
    assert_eq!(report(xorpay().validate()), vec![]);
    let mut r = xorpay();
    r.openid = None;
    assert_eq!(
        report(r.validate()),
        one("#/openid", "required_if", Actual::Missing)
    );
    r.pay_type = "native".into();
    assert_eq!(
        report(r.validate()),
        one("#/pay_type", "one_of", Actual::Text("native".into())),
        "the JSAPI endpoint takes jsapi only (and openid is required for jsapi alone)"
    );
    r.pay_type = "wechat".into();
    r.price = Yuan(Fen::new(0));
    r.aid = String::new();
    r.return_url = Some("example.com/back".into());
    r.expire = Some(0);
    assert_eq!(
        report(r.validate()),
        vec![
            ("#/aid".into(), "required", Actual::Missing),
            ("#/pay_type".into(), "one_of", Actual::Text("wechat".into())),
            ("#/price".into(), "range", Actual::Fen(0)),
            (
                "#/return_url".into(),
                "url",
                Actual::Text("example.com/back".into())
            ),
            ("#/expire".into(), "range", Actual::Int(0)),
        ]
    );
}

// ---------------------------------------------------------------- feat

#[test]
fn feat_rules() {
    let native = feat::OrderPay {
        pay_method: feat::pay_method::WECHAT,
        end_type: feat::end_type::NATIVE,
        extra_params: None,
    };
    assert_eq!(report(native.validate()), vec![]);
    let mut jsapi = native.clone();
    jsapi.end_type = feat::end_type::JSAPI;
    assert_eq!(
        report(jsapi.validate()),
        one("#/extra_params/open_id", "required_if", Actual::Missing)
    );
    jsapi.extra_params = Some(feat::ExtraParams {
        wx_app_type: None,
        open_id: Some("o1".into()),
    });
    assert_eq!(report(jsapi.validate()), vec![]);
    assert_eq!(
        jsapi.extra_params.as_ref().unwrap().wx_app_type(),
        "official_account"
    );
    let bad = feat::OrderPay {
        pay_method: 1,
        end_type: 400,
        extra_params: Some(feat::ExtraParams {
            wx_app_type: Some("ios".into()),
            open_id: None,
        }),
    };
    assert_eq!(
        report(bad.validate()),
        vec![
            ("#/pay_method".into(), "one_of", Actual::Text("1".into())),
            ("#/end_type".into(), "one_of", Actual::Text("400".into())),
            (
                "#/extra_params/wx_app_type".into(),
                "one_of",
                Actual::Text("ios".into())
            ),
        ]
    );
}

// ---------------------------------------------------------------- secrets

#[test]
fn no_error_or_debug_output_contains_the_secret() {
    let secret = "S3CR3T-192006250b4c09247ec02edce69f6a2d";
    let key = Secret::new(secret);
    let mut r = weidoufu();
    r.body = String::new();
    let err = r.to_body(&key).unwrap_err();
    for text in [
        err.to_string(),
        format!("{err:?}"),
        format!("{key:?}"),
        format!("{key}"),
        r.sign_string_redacted(),
    ] {
        assert!(!text.contains(secret), "{text}");
    }
    assert!(r.sign_string_redacted().ends_with("&secret_key=***"));
    assert!(
        r.sign_string(&key).ends_with(secret),
        "the real sign string does carry it, by design"
    );
}

#[test]
fn order_numbers_a_re_split_notification_could_not_carry_are_refused_when_placed() {
    // SwiftPass signs sorted `k=v` and XorPay a bare concatenation: their notifications
    // refuse an order number with `&` or `=` (trade_no), so placing one is refused too.
    let mut swift = swiftpass::sample();
    swift.out_trade_no = "A20240301&total_fee=1".into();
    assert_eq!(
        report(swift.validate()),
        one(
            "#/out_trade_no",
            "trade_no",
            Actual::Text("A20240301&total_fee=1".into())
        )
    );
    swift.out_trade_no = "A2024_03-01|x*y@z".into();
    assert_eq!(report(swift.validate()), vec![]);
    let mut xor = xorpay::sample();
    xor.order_id = "ORDER-1=2".into();
    assert_eq!(
        report(xor.validate()),
        one("#/order_id", "trade_no", Actual::Text("ORDER-1=2".into()))
    );
    xor.order_id = "9".repeat(65);
    assert_eq!(
        report(xor.validate()),
        one("#/order_id", "len", Actual::Bytes(65))
    );
}

// ------------------------------------------------- rules on members that did not decode

#[test]
fn the_rules_are_checked_on_received_members_beside_one_that_did_not_decode() {
    let body = br#"{"mchid":"1230000109","appid":"wx2421b1c4370ec43b","description":5,
        "notify_url":"http://merchant.example/notify","out_trade_no":"A1","trade_type":"JSAPY",
        "merchant_category_code":"4111","amount":{"total":0,"currency":"HKD"},
        "payer":{"openid":""}}"#;
    let object =
        paywire::decode::json::parse_object(body, &paywire::decode::Limits::default()).unwrap();
    let schema = <wg::JsapiOrder as paywire::PayObject>::OBJECT_SCHEMA;
    let found: Vec<(String, &str)> =
        report(paywire::decode::check_received(schema, &object).into_result())
            .into_iter()
            .map(|(path, rule, _)| (path, rule))
            .collect();
    let expected = [
        ("#/notify_url", "https_url"),
        ("#/trade_type", "one_of"),
        ("#/amount/total", "range"),
        ("#/payer/openid", "len"),
    ];
    for (path, rule) in expected {
        assert!(
            found.contains(&(path.to_owned(), rule)),
            "{path} {rule} in {found:?}"
        );
    }
    // `description` is a number where a string goes: decoding reports it, the rules
    // leave it out rather than call it missing.
    assert!(
        found.iter().all(|(path, _)| path != "#/description"),
        "{found:?}"
    );
    assert_eq!(found.len(), expected.len(), "{found:?}");
}

/// Gateways' XML and forms carry every value as text, and some JSON quotes its integers:
/// an amount or integer written so is checked against its rules beside a member that did
/// not decode, as it is once every member decodes.
#[test]
fn the_rules_are_checked_on_amounts_written_as_text_beside_one_that_did_not_decode() {
    let limits = paywire::decode::Limits::default();
    let schema = <swiftpass::WapPay as paywire::PayObject>::OBJECT_SCHEMA;
    let xml = b"<xml><service>pay.weixin.wap</service><mch_id>7551000001</mch_id>\
        <out_trade_no>A1</out_trade_no><body>x</body><total_fee>0</total_fee>\
        <mch_create_ip>127.0.0.1</mch_create_ip><notify_url>https://a.example/n</notify_url>\
        <nonce_str>n</nonce_str><sub_appid>wx1</sub_appid></xml>";
    let quoted = br#"{"service":"pay.weixin.wap","mch_id":"7551000001","out_trade_no":"A1",
        "body":"x","total_fee":"0","mch_create_ip":"127.0.0.1",
        "notify_url":"https://a.example/n","nonce_str":"n","sub_appid":"wx1"}"#;
    for object in [
        paywire::decode::xml::parse(xml, &limits).unwrap(),
        paywire::decode::json::parse_object(quoted, &limits).unwrap(),
    ] {
        // `sub_openid` is missing: the typed value cannot be built.
        assert!(paywire::verify::decode_fields::<swiftpass::WapPay>(object.clone()).is_err());
        let mut found = report(paywire::decode::check_received(schema, &object).into_result());
        found.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(
            found,
            vec![
                ("#/sub_openid".to_owned(), "required", Actual::Missing),
                ("#/total_fee".to_owned(), "range", Actual::Fen(0)),
            ],
            "{object:?}"
        );
    }

    // XorPay's form: a price in yuan and an integer, both text.
    let schema = <xorpay::JsapiPay as paywire::PayObject>::OBJECT_SCHEMA;
    let form = b"aid=1&pay_type=jsapi&price=0.00&order_id=A1\
        &notify_url=https%3A%2F%2Fa.example%2Fn&openid=o&expire=0";
    let object = paywire::decode::form::parse(form, &limits).unwrap();
    let mut found = report(paywire::decode::check_received(schema, &object).into_result());
    found.sort_by(|a, b| a.0.cmp(&b.0));
    let paths: Vec<(&str, &str)> = found.iter().map(|(p, r, _)| (p.as_str(), *r)).collect();
    assert_eq!(
        paths,
        [
            ("#/expire", "range"),
            ("#/name", "required"),
            ("#/price", "range")
        ],
        "{found:?}"
    );
}
