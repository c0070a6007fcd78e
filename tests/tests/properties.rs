//! Property tests: for arbitrary valid values (any Unicode, `]]>`, `&`, `=`, `%`, empty
//! optionals) every request encodes and decodes back equal; the sign string equals the
//! one computed independently (sorted at run time) from the decoded raw fields;
//! `validate` accepts the generated values and refuses one byte past a limit; every
//! verifier accepts what was signed and refuses any flipped byte.

use paywire::verify::{expected_signature, sorted_sign_string};
use paywire::{Fen, JsonText, PayRequest, PayResponse, Secret, Yuan};
use paywire::{Node, NodeObject};
use paywire_providers::{feat, swiftpass, wechat_global as wg, weidoufu, xorpay};
use proptest::prelude::*;

/// Characters a gateway value may hold: anything XML 1.0 can carry, plus the usual
/// troublemakers, weighted so they appear often.
fn text_char() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => any::<char>().prop_filter("XML-representable", |c| {
            !matches!(c, '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}')
        }),
        1 => prop::sample::select(vec!['&', '=', '%', '<', '>', ']', '+', ' ', '中', '文', '\r', '\n', '"', '\'']),
    ]
}

/// A string of at most `max` UTF-8 bytes (and at least one character when `nonempty`).
fn text(max: usize, nonempty: bool) -> impl Strategy<Value = String> {
    let min = usize::from(nonempty);
    prop::collection::vec(text_char(), min..=max.min(40)).prop_map(move |chars| {
        let mut s = String::new();
        for c in chars {
            if s.len() + c.len_utf8() > max {
                break;
            }
            s.push(c);
        }
        if s.is_empty() && nonempty {
            s.push('x');
        }
        s
    })
}

fn optional(max: usize) -> impl Strategy<Value = Option<String>> {
    prop::option::of(text(max, true))
}

fn alnum(min: usize, max: usize) -> impl Strategy<Value = String> {
    prop::string::string_regex(&format!("[A-Za-z0-9]{{{min},{max}}}")).unwrap()
}

/// A merchant order number as `#[pay(trade_no)]` allows it: letters, digits, `_ - | * @`.
fn trade_no(min: usize, max: usize) -> impl Strategy<Value = String> {
    prop::string::string_regex(&format!("[A-Za-z0-9_|*@-]{{{min},{max}}}")).unwrap()
}

fn url() -> impl Strategy<Value = String> {
    (alnum(1, 12), alnum(0, 20))
        .prop_map(|(host, path)| format!("https://{host}.example.com/{path}"))
}

fn swiftpass_request() -> impl Strategy<Value = swiftpass::WapPay> {
    (
        (
            optional(8),
            prop::option::of(Just("UTF-8".to_owned())),
            prop::option::of(Just("MD5".to_owned())),
        ),
        (
            trade_no(1, 45),
            alnum(1, 45),
            alnum(1, 45),
            optional(32),
            alnum(1, 32),
            text(128, true),
            optional(128),
        ),
        (
            any::<[u8; 4]>(),
            url(),
            prop::option::of(Just("20091225091010".to_owned())),
            optional(32),
        ),
        (
            prop::option::of(prop::sample::select(vec!["0".to_owned(), "1".to_owned()])),
            text(128, true),
            1u64..=999_999_999,
        ),
    )
        .prop_map(
            |(
                (version, charset, sign_type),
                (out, mch, sub, dev, nonce, body, attach),
                (ip, notify, start, tag),
                (limit, openid, fee),
            )| {
                swiftpass::WapPay {
                    version,
                    charset,
                    sign_type,
                    out_trade_no: out,
                    mch_id: mch,
                    sub_appid: sub,
                    device_info: dev,
                    nonce_str: nonce,
                    body,
                    attach,
                    mch_create_ip: std::net::Ipv4Addr::from(ip).to_string(),
                    notify_url: notify,
                    time_start: start.clone(),
                    time_expire: start,
                    goods_tag: tag,
                    limit_credit_pay: limit,
                    sub_openid: openid,
                    total_fee: Fen::new(fee),
                }
            },
        )
}

fn weidoufu_request() -> impl Strategy<Value = weidoufu::MiniappPay> {
    (
        text(32, true),
        text(32, true),
        alnum(18, 32),
        prop::bool::ANY,
        1u64..=999_999_999,
        alnum(1, 32),
        url(),
        optional(128),
        prop::collection::vec((1u64..10_000, alnum(1, 12)), 0..4),
    )
        .prop_map(
            |(ak, body, out, wechat, fee, payer, notify, attach, ledger)| weidoufu::MiniappPay {
                access_key: ak,
                body,
                out_order_no: out,
                pay_type: if wechat { 1 } else { 2 },
                total_fee: Fen::new(fee),
                openid: wechat.then(|| payer.clone()),
                buyer_id: (!wechat).then_some(payer),
                notify_url: notify,
                attach,
                ledger: (!ledger.is_empty()).then(|| {
                    JsonText(
                        ledger
                            .into_iter()
                            .map(|(amount, no)| weidoufu::LedgerReceiver {
                                amount: Fen::new(amount),
                                sub_mch_no: no,
                            })
                            .collect(),
                    )
                }),
            },
        )
}

fn xorpay_request() -> impl Strategy<Value = xorpay::JsapiPay> {
    (
        alnum(1, 10),
        text(64, true),
        1u64..=10_000_000,
        trade_no(1, 32),
        optional(40),
        url(),
        alnum(1, 28),
        optional(64),
        prop::option::of(1u32..100_000),
    )
        .prop_map(
            |(aid, name, fen, order_id, uid, notify, openid, more, expire)| xorpay::JsapiPay {
                aid,
                name,
                pay_type: "jsapi".into(),
                price: Yuan(Fen::new(fen)),
                order_id,
                order_uid: uid,
                notify_url: notify,
                return_url: None,
                openid: Some(openid),
                more,
                expire,
            },
        )
}

fn wechat_global_request() -> impl Strategy<Value = wg::JsapiOrder> {
    let bmp = || {
        text(127, true)
            .prop_map(|s| s.chars().filter(|c| c.len_utf8() <= 3).collect::<String>())
            .prop_filter("non-empty", |s: &String| !s.is_empty())
    };
    (
        bmp(),
        alnum(1, 32),
        url(),
        1u64..1_000_000,
        prop::collection::vec((alnum(1, 20), 1u32..100, 0u64..100_000), 0..3),
        alnum(1, 64),
    )
        .prop_map(|(description, out, notify, total, goods, openid)| {
            let mut order = wg::JsapiOrder::new(
                wg::Merchant::Direct {
                    mchid: "10000100".into(),
                    appid: "wx2421b1c4370ec43b".into(),
                },
                description,
                out,
                notify,
                "4111",
                wg::Amount {
                    total,
                    currency: "HKD".into(),
                },
            );
            order.payer = Some(wg::Payer {
                openid: Some(openid),
                ..wg::Payer::default()
            });
            if !goods.is_empty() {
                order.detail = Some(wg::Detail {
                    cost_price: None,
                    receipt_id: None,
                    goods_detail: Some(
                        goods
                            .into_iter()
                            .map(|(id, quantity, price)| wg::GoodsDetail {
                                goods_id: id,
                                wxpay_goods_id: None,
                                goods_name: None,
                                quantity,
                                price,
                            })
                            .collect(),
                    ),
                });
            }
            order
        })
}

/// The sign string computed the other way: decode the body, then sort its raw fields at
/// run time.
fn independent_sign_string<T: PayRequest>(body: &[u8], path: &[(&str, &str)]) -> String {
    let received = T::from_parts(body, path, &paywire::decode::Limits::default()).unwrap();
    sorted_sign_string(&received.fields, &T::SCHEMA.sign, "***")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn swiftpass_round_trips_and_signs_what_it_sends(req in swiftpass_request()) {
        let key = Secret::new("61307e5f2aebcacecbcca6fe5296df9c");
        prop_assert!(req.validate().is_ok(), "{:?}", req.validate());
        let body = req.to_body(&key).unwrap();
        let back = swiftpass::WapPay::from_body(body.as_bytes()).unwrap();
        prop_assert_eq!(&back.request, &req);
        prop_assert_eq!(back.signature.unwrap(), req.signature(&key));
        prop_assert_eq!(independent_sign_string::<swiftpass::WapPay>(body.as_bytes(), &[]), req.sign_string_redacted());
    }

    #[test]
    fn weidoufu_round_trips_and_signs_what_it_sends(req in weidoufu_request()) {
        let key = Secret::new("sk");
        prop_assert!(req.validate().is_ok(), "{:?}", req.validate());
        let body = req.to_body(&key).unwrap();
        let back = weidoufu::MiniappPay::from_body(body.as_bytes()).unwrap();
        prop_assert_eq!(&back.request, &req);
        prop_assert_eq!(independent_sign_string::<weidoufu::MiniappPay>(body.as_bytes(), &[]), req.sign_string_redacted());
        let serde_back: weidoufu::MiniappPay = serde_json::from_value(serde_json::to_value(&req).unwrap()).unwrap();
        prop_assert_eq!(serde_back, req);
    }

    #[test]
    fn xorpay_round_trips_through_the_form(req in xorpay_request()) {
        let key = Secret::new("secret");
        prop_assert!(req.validate().is_ok(), "{:?}", req.validate());
        let body = req.to_body(&key).unwrap();
        let back = xorpay::JsapiPay::from_parts(body.as_bytes(), &[("aid", &req.aid)], &paywire::decode::Limits::default()).unwrap();
        prop_assert_eq!(&back.request, &req);
        let concat = format!("{}{}{}{}{}secret", req.name, req.pay_type, req.price, req.order_id, req.notify_url);
        prop_assert_eq!(req.sign_string(&key), concat);
    }

    #[test]
    fn wechat_global_round_trips_through_json(req in wechat_global_request()) {
        prop_assert!(req.validate().is_ok(), "{:?}", req.validate());
        let body = req.to_unsigned_body().unwrap();
        prop_assert_eq!(wg::JsapiOrder::from_body(body.as_bytes()).unwrap().request, req);
    }

    #[test]
    fn one_byte_past_a_limit_is_refused(req in swiftpass_request(), extra in text_char()) {
        let mut long = req.clone();
        long.body = "a".repeat(128 - extra.len_utf8()) + &extra.to_string();
        prop_assert!(long.validate().is_ok());
        long.body.push('a');
        let errors = long.validate().unwrap_err();
        prop_assert!(errors.iter().any(|e| e.path == "#/body" && e.violation.rule_name() == "len"));
        let mut empty = req;
        empty.body.clear();
        prop_assert!(empty.validate().unwrap_err().iter().any(|e| e.path == "#/body" && e.violation.rule_name() == "required"));
    }

    #[test]
    fn swiftpass_notification_verifies_and_any_flipped_byte_fails(
        attach in text(60, true),
        fee in 1u64..100_000,
        flip in any::<prop::sample::Index>(),
        bit in 0u8..8,
    ) {
        let key = Secret::new("61307e5f2aebcacecbcca6fe5296df9c");
        let mut fields = NodeObject::new();
        for (k, v) in [("status", "0".to_owned()), ("result_code", "0".into()), ("mch_id", "175510359638".into()),
            ("nonce_str", "n1".into()), ("out_trade_no", "o1".into()), ("transaction_id", "t1".into()),
            ("total_fee", fee.to_string()), ("pay_result", "0".into()), ("time_end", "20240301120000".into()),
            ("attach", attach.clone())] {
            fields.insert(k.into(), Node::Text(v)).unwrap();
        }
        let sign = expected_signature(swiftpass::PayNotification::SCHEMA, &fields, key.expose());
        let xml = |fields: &NodeObject| {
            let mut out = String::from("<xml>");
            for (k, v) in fields.iter() {
                let t = v.as_str().unwrap().replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('\r', "&#13;");
                out.push_str(&format!("<{k}>{t}</{k}>"));
            }
            out + &format!("<sign>{sign}</sign></xml>")
        };
        let body = xml(&fields);
        let verify_key = swiftpass::VerifyKey::Md5(key.clone());
        let verified = swiftpass::verify_notification(body.as_bytes(), &verify_key).unwrap();
        prop_assert_eq!(verified.value.attach.as_deref(), Some(attach.as_str()));
        // Flip one bit of one byte of the signed values: never accepted.
        // Bytes of element text (between `>` and `<`), the signature's own excluded.
        let sign_at = body.find("<sign>").unwrap();
        let mut signed_region = Vec::new();
        let mut in_text = false;
        for (i, &c) in body.as_bytes()[..sign_at].iter().enumerate() {
            match c {
                b'<' => in_text = false,
                b'>' => in_text = true,
                _ if in_text => signed_region.push(i),
                _ => {}
            }
        }
        prop_assume!(!signed_region.is_empty());
        let at = signed_region[flip.index(signed_region.len())];
        let mut bytes = body.clone().into_bytes();
        bytes[at] ^= 1 << bit;
        let result = swiftpass::verify_notification(&bytes, &verify_key);
        prop_assert!(result.is_err(), "flipped byte {} accepted", at);
    }

    #[test]
    fn xorpay_notification_sign_then_verify(order in "[A-Za-z0-9_|*@-]{1,30}", aoid in alnum(8, 32), fen in 1u64..1_000_000, flip in any::<prop::sample::Index>()) {
        let secret = Secret::new("app-secret");
        let price = Fen::new(fen).to_yuan_string();
        let mut fields = NodeObject::new();
        for (k, v) in [("aoid", aoid.clone()), ("order_id", order.clone()), ("pay_price", price.clone()), ("pay_time", "2024-03-01 12:00:00".into())] {
            fields.insert(k.into(), Node::Text(v)).unwrap();
        }
        let sign = expected_signature(xorpay::PayNotification::SCHEMA, &fields, secret.expose());
        let form = |aoid: &str| {
            let mut s = form_urlencoded::Serializer::new(String::new());
            s.append_pair("aoid", aoid).append_pair("order_id", &order).append_pair("pay_price", &price)
                .append_pair("pay_time", "2024-03-01 12:00:00").append_pair("sign", &sign);
            s.finish()
        };
        prop_assert!(xorpay::verify_notification(form(&aoid).as_bytes(), &secret).is_ok());
        let mut changed: Vec<char> = aoid.chars().collect();
        let i = flip.index(changed.len());
        changed[i] = if changed[i] == 'a' { 'b' } else { 'a' };
        let changed: String = changed.into_iter().collect();
        let result = xorpay::verify_notification(form(&changed).as_bytes(), &secret);
        prop_assert_eq!(result.unwrap_err(), paywire::VerifyError::SignatureMismatch);
    }
}

/// WeChat Pay v2's table under HMAC-SHA256 (its signature is checked against the
/// published example in `vectors.rs`), as the merchant sends it.
#[derive(Debug, Clone, PayRequest)]
#[pay(format = "xml", sign = "hmac-sha256-sorted", sign_key = "key")]
struct HmacOrder {
    appid: String,
    mch_id: String,
    attach: Option<String>,
    body: String,
    nonce_str: String,
    total_fee: Fen,
}

/// The same table as a signed message received.
#[derive(Debug, Clone, PayResponse)]
#[pay(format = "xml", sign = "hmac-sha256-sorted", sign_key = "key")]
struct HmacMessage {
    appid: String,
    mch_id: String,
    attach: Option<String>,
    body: String,
    nonce_str: String,
    total_fee: Fen,
}

proptest! {
    #[test]
    fn hmac_sha256_sorted_signs_then_verifies_and_any_flipped_bit_fails(
        attach in prop::option::of(text(60, false)),
        body in text(60, true),
        nonce in alnum(1, 32),
        fee in 1u64..1_000_000,
        flip in any::<prop::sample::Index>(),
        bit in 0u8..8,
    ) {
        let key = Secret::new("192006250b4c09247ec02edce69f6a2d");
        let order = HmacOrder {
            appid: "wxd930ea5d5a258f4f".into(),
            mch_id: "10000100".into(),
            attach,
            body,
            nonce_str: nonce,
            total_fee: Fen::new(fee),
        };
        let sent = order.to_body(&key).unwrap();
        let verified = HmacMessage::verify_body(sent.as_bytes(), &key).unwrap().value;
        prop_assert_eq!(verified.attach.as_deref().filter(|a| !a.is_empty()), order.attach.as_deref().filter(|a| !a.is_empty()));
        prop_assert_eq!(&verified.body, &order.body);
        prop_assert_eq!(verified.total_fee, order.total_fee);
        prop_assert_eq!(
            HmacMessage::verify_body(sent.as_bytes(), &Secret::new("another key")).unwrap_err(),
            paywire::VerifyError::SignatureMismatch
        );
        // One bit of one byte of an element's text, the signature's own included: never
        // accepted, except a hex letter of the signature changed in case, which names
        // the same digest (verification ignores hex case).
        let text = sent.as_str();
        let sign_at = text.find("<sign>").unwrap();
        let mut in_text = false;
        let mut positions = Vec::new();
        for (i, c) in text.bytes().enumerate() {
            match c {
                b'<' => in_text = false,
                b'>' => in_text = true,
                _ if in_text => positions.push(i),
                _ => {}
            }
        }
        let at = positions[flip.index(positions.len())];
        let mut bytes = sent.as_bytes().to_vec();
        let same_digest = at > sign_at && bytes[at].is_ascii_alphabetic() && bit == 5;
        bytes[at] ^= 1 << bit;
        let result = HmacMessage::verify_body(&bytes, &key);
        if same_digest {
            prop_assert!(result.is_ok(), "hex case of the signature refused");
        } else {
            prop_assert!(result.is_err(), "flipped byte {} accepted", at);
        }
    }
}

#[test]
fn feat_round_trip_for_every_documented_value() {
    // The document's pairs: NATIVE and JSAPI with official_account, APP with feat_ios_app.
    for (end_type, app_type) in [
        (0, "official_account"),
        (100, "feat_ios_app"),
        (200, "official_account"),
    ] {
        let req = feat::OrderPay {
            pay_method: 200,
            end_type,
            extra_params: Some(feat::ExtraParams {
                wx_app_type: Some(app_type.into()),
                open_id: Some("o".into()),
            }),
        };
        req.validate().unwrap();
        let body = req.to_unsigned_body().unwrap();
        assert_eq!(
            feat::OrderPay::from_body(body.as_bytes()).unwrap().request,
            req
        );
    }
}

#[test]
fn feat_refuses_what_its_answer_could_not_be_read_for() {
    let order = |pay_method, end_type, app_type: Option<&str>| feat::OrderPay {
        pay_method,
        end_type,
        extra_params: Some(feat::ExtraParams {
            wx_app_type: app_type.map(Into::into),
            open_id: Some("o".into()),
        }),
    };
    let refused = |req: feat::OrderPay| {
        let errors = req.validate().unwrap_err();
        errors.iter().map(|e| e.path.clone()).collect::<Vec<_>>()
    };
    assert_eq!(
        refused(order(0, 0, None)),
        ["#/pay_method"],
        "UnionPay is not this call"
    );
    assert_eq!(
        refused(order(100, 0, None)),
        ["#/pay_method"],
        "Alipay is not this call"
    );
    assert_eq!(
        refused(order(200, 300, None)),
        ["#/end_type"],
        "no H5 answer is documented"
    );
    assert_eq!(
        refused(order(200, 100, Some("official_account"))),
        ["#/extra_params/wx_app_type"],
        "APP goes with feat_ios_app"
    );
    assert_eq!(
        refused(order(200, 100, None)),
        ["#/extra_params/wx_app_type"],
        "the default is official_account"
    );
    assert_eq!(
        refused(order(200, 0, Some("feat_ios_app"))),
        ["#/extra_params/wx_app_type"],
        "NATIVE goes with official_account"
    );
    order(200, 100, Some("feat_ios_app")).validate().unwrap();
    order(200, 200, None).validate().unwrap();
}
