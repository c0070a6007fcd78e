//! Bodies on the wire: XML safety checked with an independent parser, round trips in
//! every format, hostile and malformed input refused with typed errors, and snapshots of
//! what each provider sends.

use paywire::decode::{DecodeError, Limits};
use paywire::schema::Format;
use paywire::{Fen, PayRequest, Secret, Yuan};
use paywire_providers::{feat, swiftpass, weidoufu, xorpay};
use quick_xml::events::Event;

fn swiftpass() -> swiftpass::WapPay {
    let mut r = paywire_providers::swiftpass::sample();
    r.version = Some("2.0".into());
    r
}

fn key() -> Secret {
    Secret::new("61307e5f2aebcacecbcca6fe5296df9c")
}

/// Reads a flat XML body with quick-xml's own unescaping (an implementation independent
/// of paywire's decoder): every element name with its text.
fn independent_xml_fields(xml: &str) -> Vec<(String, String)> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut fields = Vec::new();
    let mut current: Option<(String, String)> = None;
    let mut depth = 0;
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(e) => {
                depth += 1;
                if depth == 2 {
                    current = Some((e.name().as_ref().to_owned(), String::new()));
                }
                assert!(depth <= 2, "no element may open inside a field");
            }
            Event::End(_) => {
                depth -= 1;
                if let Some(field) = current.take() {
                    fields.push(field);
                }
            }
            Event::Text(t) => {
                if let Some((_, v)) = &mut current {
                    v.push_str(&t.xml10_content());
                }
            }
            Event::GeneralRef(r) => {
                let (_, v) = current.as_mut().expect("references only inside fields");
                match r.resolve_char_ref().unwrap() {
                    Some(c) => v.push(c),
                    None => v.push_str(match &*r {
                        "lt" => "<",
                        "gt" => ">",
                        "amp" => "&",
                        other => panic!("unexpected entity {other}"),
                    }),
                }
            }
            Event::CData(c) => current.as_mut().unwrap().1.push_str(&c),
            Event::Eof => break,
            _ => {}
        }
    }
    fields
}

/// A user's own XML request with integer members, signed and unsigned.
#[derive(Debug, Clone, PayRequest)]
#[pay(
    format = "xml",
    sign = "md5-sorted",
    sign_key = "key",
    sign_case = "upper"
)]
struct Integers {
    delta: i64,
    count: Option<u32>,
    total_fee: Fen,
}

/// Integers reach the sign string and the body in decimal, extremes and signs
/// included; the expected signature is MD5 (the md-5 crate) of the expected string.
#[test]
fn integers_are_decimal_in_sign_strings_and_xml_bodies() {
    use md5::Digest;
    let cases = [
        (-5, Some(7), 1, "count=7&delta=-5&total_fee=1"),
        (0, None, 0, "delta=0&total_fee=0"),
        (
            i64::MIN,
            Some(u32::MAX),
            u64::MAX,
            "count=4294967295&delta=-9223372036854775808&total_fee=18446744073709551615",
        ),
    ];
    for (delta, count, fee, pairs) in cases {
        let request = Integers {
            delta,
            count,
            total_fee: Fen::new(fee),
        };
        let expected_string = format!("{pairs}&key=61307e5f2aebcacecbcca6fe5296df9c");
        assert_eq!(request.sign_string(&key()), expected_string);
        let sign: String = md5::Md5::digest(expected_string.as_bytes())
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect();
        let count = count.map_or(String::new(), |c| format!("<count>{c}</count>"));
        assert_eq!(
            request.to_body(&key()).unwrap().as_str(),
            format!(
                "<xml><delta>{delta}</delta>{count}<total_fee>{fee}</total_fee><sign>{sign}</sign></xml>"
            )
        );
    }
}

/// A user's own XML request with every kind of member the body writer tells apart:
/// constants with and without markup around each other, text of every rule class,
/// absent and empty optional text, integers and amounts, and the signature.
#[derive(Debug, Clone, PayRequest)]
#[pay(
    format = "xml",
    sign = "md5-sorted",
    constant(
        service = "pay.weixin.wap",
        version = 2,
        note = "fish & <chips>",
        mode = "A"
    )
)]
struct Members {
    plain: String,
    absent: Option<String>,
    empty: Option<String>,
    #[pay(url)]
    notify_url: String,
    #[pay(one_of("JSAPI", "NATIVE"))]
    trade_type: String,
    #[pay(rename = "a_member_name_longer_than_thirty_two_bytes")]
    long_name: Option<String>,
    count: u32,
    total_fee: Fen,
}

/// Every member reaches the body once, in declaration order after the constants, with
/// its text as quick-xml reads it back.
#[test]
fn xml_bodies_carry_every_kind_of_member_in_order() {
    let long_url = format!("https://example.com/notify?a=1&b={}", "x".repeat(40));
    for (plain, url, long_name) in [
        ("-", "http://a.cn/", None),
        (
            "中文 & <b>",
            "https://example.com/n?a=1&b=2",
            Some("x".repeat(33)),
        ),
        ("x", long_url.as_str(), Some("]]>".into())),
    ] {
        let request = Members {
            plain: plain.into(),
            absent: None,
            empty: Some(String::new()),
            notify_url: url.into(),
            trade_type: "NATIVE".into(),
            long_name: long_name.clone(),
            count: 42,
            total_fee: Fen::new(1999),
        };
        let body = request.to_body(&key()).unwrap();
        let fields = independent_xml_fields(body.as_str());
        let mut expected = vec![
            ("service", "pay.weixin.wap".to_owned()),
            ("version", "2".into()),
            ("note", "fish & <chips>".into()),
            ("mode", "A".into()),
            ("plain", plain.into()),
            ("empty", String::new()),
            ("notify_url", url.into()),
            ("trade_type", "NATIVE".into()),
        ];
        if let Some(text) = long_name {
            expected.push(("a_member_name_longer_than_thirty_two_bytes", text));
        }
        expected.extend([
            ("count", "42".into()),
            ("total_fee", "1999".into()),
            ("sign", request.signature(&key())),
        ]);
        let expected: Vec<(String, String)> = expected
            .into_iter()
            .map(|(name, text)| (name.to_owned(), text))
            .collect();
        assert_eq!(fields, expected, "{}", body.as_str());
    }
}

#[test]
fn xml_injection_stays_inside_its_element() {
    let hostile = "测试]]><total_fee>100000</total_fee><![CDATA[&<a>";
    let mut req = swiftpass();
    req.attach = Some(hostile.into());
    req.body = "a & b < c > d ]]> 中文".into();
    let body = req.to_body(&key()).unwrap();
    let fields = independent_xml_fields(body.as_str());
    let total_fees: Vec<_> = fields.iter().filter(|(k, _)| k == "total_fee").collect();
    assert_eq!(
        total_fees,
        vec![&("total_fee".to_owned(), "1".to_owned())],
        "exactly one total_fee, unchanged"
    );
    let attach = fields.iter().find(|(k, _)| k == "attach").unwrap();
    assert_eq!(attach.1, hostile);
    let body_field = fields.iter().find(|(k, _)| k == "body").unwrap();
    assert_eq!(body_field.1, "a & b < c > d ]]> 中文");
    // And paywire's own decoder reads back the same request and signature.
    let received = swiftpass::WapPay::from_body(body.as_bytes()).unwrap();
    assert_eq!(received.request, req);
    assert_eq!(received.signature.unwrap(), req.signature(&key()));
}

/// A notify URL's query separators are the one thing the `url` rule lets through that
/// XML must escape (the body writer scans such values for `&` alone).
#[test]
fn ampersands_in_a_validated_url_are_escaped() {
    let mut req = swiftpass();
    let url = "https://merchant.example/notify?order=1&shop=2&&x=&";
    req.notify_url = url.into();
    let body = req.to_body(&key()).unwrap();
    assert!(
        body.as_str().contains(
            "<notify_url>https://merchant.example/notify?order=1&amp;shop=2&amp;&amp;x=&amp;</notify_url>"
        ),
        "{}",
        body.as_str()
    );
    let fields = independent_xml_fields(body.as_str());
    let notify_url = fields.iter().find(|(k, _)| k == "notify_url").unwrap();
    assert_eq!(notify_url.1, url);
    assert_eq!(
        swiftpass::WapPay::from_body(body.as_bytes())
            .unwrap()
            .request,
        req
    );
}

/// Short URLs are scanned for `&` a word at a time, long ones (64 bytes and more) with
/// `memchr`: an ampersand anywhere in either, at every length around the switch, is
/// escaped and reads back as sent.
#[test]
fn ampersands_in_urls_of_every_length_around_the_scan_switch_are_escaped() {
    let base = "https://merchant.example/notify?a=";
    for len in (base.len() + 2..=90).chain([127, 128, 129, 254, 255]) {
        for amp in [base.len(), (base.len() + len) / 2, len - 1] {
            let mut url: Vec<u8> = base.as_bytes().to_vec();
            url.resize(len, b'x');
            url[amp] = b'&';
            let url = String::from_utf8(url).unwrap();
            let mut req = swiftpass();
            req.notify_url = url.clone();
            let body = req.to_body(&key()).unwrap();
            let escaped = url.replace('&', "&amp;");
            assert!(
                body.as_str()
                    .contains(&format!("<notify_url>{escaped}</notify_url>")),
                "{len} {amp}: {}",
                body.as_str()
            );
            let fields = independent_xml_fields(body.as_str());
            let notify_url = fields.iter().find(|(k, _)| k == "notify_url").unwrap();
            assert_eq!(notify_url.1, url, "{len} {amp}");
        }
    }
}

#[test]
fn xml_keeps_carriage_returns_and_refuses_what_xml_cannot_carry() {
    let mut req = swiftpass();
    req.attach = Some("line1\r\nline2\rline3\ttab".into());
    let body = req.to_body(&key()).unwrap();
    assert!(body.as_str().contains("line1&#13;\nline2&#13;line3\ttab"));
    assert_eq!(
        swiftpass::WapPay::from_body(body.as_bytes())
            .unwrap()
            .request,
        req
    );
    req.attach = Some("bell\u{7}".into());
    let err = req.to_body(&key()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "#/attach: cannot be encoded as xml: contains a control character that XML 1.0 cannot carry; remove it"
    );
}

#[test]
fn each_provider_body_and_sign_string_snapshot() {
    let req = swiftpass();
    insta::assert_snapshot!("swiftpass_sign_string", req.sign_string_redacted());
    insta::assert_snapshot!("swiftpass_body", req.to_body(&key()).unwrap().as_str());

    let req = weidoufu::MiniappPay {
        access_key: "ak_0123456789abcdef".into(),
        body: "QQ 会员充值".into(),
        out_order_no: "180901620895069445".into(),
        pay_type: 2,
        total_fee: Fen::new(990),
        openid: None,
        buyer_id: Some("2088102146225135".into()),
        notify_url: "http://www.your.com/notify_url".into(),
        attach: Some("{test:'test1_params'}".into()),
        ledger: Some(paywire::JsonText(vec![weidoufu::LedgerReceiver {
            amount: Fen::new(1),
            sub_mch_no: "xxxxxxxx".into(),
        }])),
    };
    insta::assert_snapshot!("weidoufu_sign_string", req.sign_string_redacted());
    let body = req.to_body(&key()).unwrap();
    assert_eq!(body.content_type(), "application/json; charset=utf-8");
    insta::assert_snapshot!("weidoufu_body", body.as_str());
    let back = weidoufu::MiniappPay::from_body(body.as_bytes()).unwrap();
    assert_eq!(back.request, req);

    let req = xorpay::JsapiPay {
        aid: "8e1d2b".into(),
        name: "XorPay 账户充值".into(),
        pay_type: "jsapi".into(),
        price: Yuan(Fen::new(5000)),
        order_id: "14".into(),
        order_uid: Some("a@b.com".into()),
        notify_url: "http://example.com:3094/pay_callback".into(),
        return_url: None,
        openid: Some("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o".into()),
        more: Some("a=1&b=2 %41".into()),
        expire: Some(7200),
    };
    insta::assert_snapshot!("xorpay_sign_string", req.sign_string_redacted());
    let body = req.to_body(&key()).unwrap();
    assert_eq!(body.content_type(), "application/x-www-form-urlencoded");
    insta::assert_snapshot!("xorpay_body", body.as_str());
    assert!(
        !body.as_str().contains("aid="),
        "the path parameter is not in the body"
    );
    let back =
        xorpay::JsapiPay::from_parts(body.as_bytes(), &[("aid", "8e1d2b")], &Limits::default())
            .unwrap();
    assert_eq!(back.request, req);

    let req = feat::OrderPay {
        pay_method: 200,
        end_type: 200,
        extra_params: Some(feat::ExtraParams {
            wx_app_type: Some("official_account".into()),
            open_id: Some("o1".into()),
        }),
    };
    assert_eq!(req.sign_string_redacted(), "", "featapi signs nothing");
    insta::assert_snapshot!("feat_body", req.to_unsigned_body().unwrap().as_str());
}

// ------------------------------------------------------------ hostile and malformed input

fn xml_err(body: &str) -> DecodeError {
    swiftpass::WapPay::from_body(body.as_bytes()).unwrap_err()
}

#[test]
fn xml_refuses_dtds_entities_and_processing_instructions() {
    let xxe = r#"<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]><xml><attach>&x;</attach></xml>"#;
    assert_eq!(xml_err(xxe), DecodeError::Doctype);
    let billion_laughs = r#"<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><xml><a>&lol2;</a></xml>"#;
    assert_eq!(xml_err(billion_laughs), DecodeError::Doctype);
    assert_eq!(
        xml_err("<xml><attach>&nbsp;</attach></xml>"),
        DecodeError::Entity {
            name: "nbsp".into()
        }
    );
    assert_eq!(
        xml_err("<?php echo 1; ?><xml></xml>"),
        DecodeError::ProcessingInstruction
    );
    assert_eq!(
        xml_err(r#"<?xml version="1.0" encoding="GBK"?><xml></xml>"#),
        DecodeError::Encoding {
            encoding: "GBK".into()
        }
    );
}

#[test]
fn xml_refuses_duplicates_nesting_and_structure_errors() {
    let twice = "<xml><total_fee>1</total_fee><total_fee>100000</total_fee></xml>";
    assert_eq!(
        xml_err(twice),
        DecodeError::Duplicate {
            path: "#/total_fee".into()
        }
    );
    assert_eq!(
        xml_err("<xml><a><b>1</b></a></xml>"),
        DecodeError::NotFlat {
            path: "#/a/b".into()
        }
    );
    for (body, what) in [
        ("<xml><a>1</b></xml>", "mismatched end tag"),
        ("<xml><a>1</a>", "unclosed root"),
        ("<xml></xml><xml></xml>", "second root"),
        ("<xml>loose text</xml>", "text outside a field"),
        ("<xml><a x=\"1\">1</a></xml>", "attribute"),
        ("not xml at all", "no root"),
        ("<xml><a>&#0;</a></xml>", "NUL character reference"),
    ] {
        assert!(
            matches!(xml_err(body), DecodeError::Malformed { format: "xml", .. }),
            "{what}: {:?}",
            xml_err(body)
        );
    }
    assert_eq!(xml_err(""), DecodeError::Empty);
    assert_eq!(xml_err("  \n "), DecodeError::Empty);
}

#[test]
fn every_parser_refuses_invalid_utf8_and_oversized_bodies() {
    let limits = Limits {
        max_bytes: 64,
        max_depth: 4,
    };
    let big = format!("<xml><body>{}</body></xml>", "a".repeat(100));
    assert_eq!(
        swiftpass::WapPay::from_parts(big.as_bytes(), &[], &limits).unwrap_err(),
        DecodeError::TooLarge {
            limit: 64,
            actual: big.len()
        }
    );
    let latin1 = b"<xml><body>caf\xe9</body></xml>";
    assert_eq!(
        swiftpass::WapPay::from_body(latin1).unwrap_err(),
        DecodeError::NotUtf8 { offset: 14 }
    );
    assert_eq!(
        weidoufu::MiniappPay::from_body(b"{\"body\":\"\xff\"}").unwrap_err(),
        DecodeError::NotUtf8 { offset: 9 }
    );
    assert_eq!(
        xorpay::JsapiPay::from_body(b"name=\xc3").unwrap_err(),
        DecodeError::NotUtf8 { offset: 5 }
    );
    // Percent-encoded bytes that are not UTF-8 are refused, not replaced with U+FFFD.
    assert!(matches!(
        xorpay::JsapiPay::from_body(b"name=%E9%A1").unwrap_err(),
        DecodeError::Malformed { format: "form", .. }
    ));
}

#[test]
fn json_refuses_duplicates_depth_and_malformed_documents() {
    let dup = br#"{"body":"a","body":"b"}"#;
    assert_eq!(
        weidoufu::MiniappPay::from_body(dup).unwrap_err(),
        DecodeError::Duplicate {
            path: "#/body".into()
        }
    );
    let deep = format!("{{\"a\":{}1{}}}", "[".repeat(40), "]".repeat(40));
    assert_eq!(
        weidoufu::MiniappPay::from_body(deep.as_bytes()).unwrap_err(),
        DecodeError::TooDeep { limit: 32 }
    );
    for body in ["", "{", "[]", "{\"a\":1} trailing", "{'a':1}", "null"] {
        let err = weidoufu::MiniappPay::from_body(body.as_bytes()).unwrap_err();
        assert!(
            matches!(
                err,
                DecodeError::Malformed { format: "json", .. } | DecodeError::Empty
            ),
            "{body:?}: {err:?}"
        );
    }
}

#[test]
fn form_refuses_duplicates_and_bad_escapes() {
    assert_eq!(
        xorpay::JsapiPay::from_body(b"name=a&name=b").unwrap_err(),
        DecodeError::Duplicate {
            path: "#/name".into()
        }
    );
    for body in ["name=%zz", "name=%4", "=value"] {
        let err = xorpay::JsapiPay::from_body(body.as_bytes()).unwrap_err();
        assert!(
            matches!(err, DecodeError::Malformed { format: "form", .. }),
            "{body}: {err:?}"
        );
    }
}

#[test]
fn exact_repeats_are_kept_once_and_differing_repeats_refused_in_every_format() {
    use paywire::decode::parse_body;
    let limits = paywire::decode::Limits::default();
    for (format, same, differing) in [
        (
            Format::Xml,
            "<xml><a>1</a><b>2</b><a>1</a></xml>",
            "<xml><a>1</a><b>2</b><a>2</a></xml>",
        ),
        (
            Format::Json,
            r#"{"a":"1","b":2,"a":"1"}"#,
            r#"{"a":"1","b":2,"a":"2"}"#,
        ),
        (Format::Form, "a=1&b=2&a=1", "a=1&b=2&a=2"),
    ] {
        let fields = parse_body(format, same.as_bytes(), &limits).unwrap();
        let names: Vec<&str> = fields.iter().map(|(k, _)| k).collect();
        assert_eq!(names, ["a", "b"], "{format:?}");
        assert_eq!(
            parse_body(format, differing.as_bytes(), &limits).unwrap_err(),
            DecodeError::Duplicate { path: "#/a".into() },
            "{format:?}"
        );
    }
    // A JSON number and the string of its digits are different values.
    assert!(parse_body(Format::Json, br#"{"a":1,"a":"1"}"#, &limits).is_err());
}

#[test]
fn typed_decoding_reports_every_field_problem() {
    let body = br#"{"access_key":"ak","body":1,"out_order_no":"180901620895069445","pay_type":"1",
        "total_fee":-5,"notify_url":"http://x.cn/n","colour":"red","sign":"ABC","ledger":"[{\"amount\":1}]"}"#;
    let DecodeError::Fields(problems) = weidoufu::MiniappPay::from_body(body).unwrap_err() else {
        panic!("field problems expected")
    };
    insta::assert_snapshot!("weidoufu_decode_problems", problems.to_string());

    let wrong_service = "<xml><service>pay.alipay.native</service></xml>";
    let DecodeError::Fields(problems) =
        swiftpass::WapPay::from_body(wrong_service.as_bytes()).unwrap_err()
    else {
        panic!("field problems expected")
    };
    assert!(problems
        .to_string()
        .starts_with("#/service: must be \"pay.weixin.wap\", got \"pay.alipay.native\""));

    let price = "name=a&pay_type=jsapi&price=0.001&order_id=1&notify_url=http%3A%2F%2Fx.cn";
    let err = xorpay::JsapiPay::from_parts(price.as_bytes(), &[("aid", "1")], &Limits::default())
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "#/price: \"0.001\": more than two decimals: a fen is the smallest unit, write at most two decimals"
    );
}

#[test]
fn serde_input_keyed_by_wire_names_is_strict() {
    let err =
        serde_json::from_str::<feat::OrderPay>(r#"{"pay_method":200,"end_type":0,"extra":1}"#)
            .unwrap_err();
    assert!(err.to_string().contains("#/extra: unknown field"), "{err}");
    let err = serde_json::from_str::<feat::OrderPay>(r#"{"pay_method":200}"#).unwrap_err();
    assert!(
        err.to_string()
            .contains("#/end_type: missing; send an integer"),
        "{err}"
    );
    let err = serde_json::from_str::<feat::OrderPay>(r#"{"pay_method":4294967296,"end_type":0}"#)
        .unwrap_err();
    assert!(err.to_string().contains("does not fit this field"), "{err}");
    // Constants may be left out of hand-written input, but must match when given.
    let ok: swiftpass::WapPay =
        serde_json::from_value(serde_json::to_value(swiftpass()).unwrap()).unwrap();
    assert_eq!(ok, swiftpass());
    let mut v = serde_json::to_value(swiftpass()).unwrap();
    assert_eq!(
        v["service"], "pay.weixin.wap",
        "serialized with the constant"
    );
    v["service"] = "pay.other".into();
    assert!(serde_json::from_value::<swiftpass::WapPay>(v).is_err());
}

/// A JSON request with everything the member writer has to get right: an absent first
/// member, wire names and constants that need escaping, integer and amount constants,
/// nested objects (one with every member absent), arrays and escaped text.
mod odd_json {
    use paywire::{Fen, PayObject, PayRequest};

    #[derive(Debug, Clone, PayObject)]
    pub struct Inner {
        pub a: Option<String>,
        #[pay(rename = "b\\c")]
        pub b: Option<i64>,
    }

    #[derive(Debug, Clone, PayRequest)]
    #[pay(
        format = "json",
        sign = "none",
        constant(kind = "say \"hi\"\n", level = -3)
    )]
    pub struct Odd {
        pub first: Option<String>,
        #[pay(rename = "quo\"te\u{1}")]
        pub quoted: String,
        pub total: Fen,
        pub empty: Option<Inner>,
        pub full: Option<Inner>,
        pub list: Option<Vec<Inner>>,
        pub last: Option<String>,
    }
}

fn serde_member(name: &str, value: serde_json::Value) -> String {
    format!(
        "{}:{}",
        serde_json::to_string(name).unwrap(),
        serde_json::to_string(&value).unwrap()
    )
}

#[test]
fn json_bodies_are_written_exactly_as_serde_json_writes_them() {
    use odd_json::{Inner, Odd};
    use serde_json::json;
    let inner = |a: Option<&str>, b: Option<i64>| Inner {
        a: a.map(Into::into),
        b,
    };
    let order = Odd {
        first: None,
        quoted: "tab\there \"q\" back\\slash \u{7f} 中文 \u{2028}".into(),
        total: Fen::new(990),
        empty: Some(inner(None, None)),
        full: Some(inner(Some("x\ny"), Some(-7))),
        list: Some(vec![
            inner(Some("1"), None),
            inner(None, Some(2)),
            inner(None, None),
        ]),
        last: Some(String::new()),
    };
    let body = order.to_unsigned_body().unwrap();
    let expected = format!(
        "{{{}}}",
        [
            serde_member("kind", json!("say \"hi\"\n")),
            serde_member("level", json!(-3)),
            serde_member("quo\"te\u{1}", json!(order.quoted)),
            serde_member("total", json!(990)),
            serde_member("empty", json!({})),
            format!(
                "{}:{{{},{}}}",
                serde_json::to_string("full").unwrap(),
                serde_member("a", json!("x\ny")),
                serde_member("b\\c", json!(-7))
            ),
            format!(
                "{}:[{{{}}},{{{}}},{{}}]",
                serde_json::to_string("list").unwrap(),
                serde_member("a", json!("1")),
                serde_member("b\\c", json!(2))
            ),
            serde_member("last", json!("")),
        ]
        .join(",")
    );
    assert_eq!(body.as_str(), expected);
    // serde_json reads it back as the same document.
    let parsed: serde_json::Value = serde_json::from_str(body.as_str()).unwrap();
    assert_eq!(parsed["quo\"te\u{1}"], json!(order.quoted));
    assert_eq!(parsed["full"]["b\\c"], json!(-7));
}

#[test]
fn a_json_request_with_every_member_absent_is_an_empty_object() {
    #[derive(Debug, Clone, PayRequest)]
    #[pay(format = "json", sign = "none")]
    struct Nothing {
        a: Option<String>,
        b: Option<u32>,
    }
    let body = Nothing { a: None, b: None }.to_unsigned_body().unwrap();
    assert_eq!(body.as_str(), "{}");
}

/// Declarations generated by a user's `macro_rules!` (one field list, several requests)
/// compile and encode like hand-written ones: the derive's generated `self` must not take
/// the hygiene of the field type's span.
macro_rules! declared_by_macro {
    ($(#[$attr:meta])* $name:ident { $($extra:tt)* }) => {
        #[derive(Debug, Clone, PayRequest)]
        $(#[$attr])*
        struct $name {
            out_trade_no: String,
            $($extra)*
        }
    };
}

declared_by_macro! {
    #[pay(format = "form", sign = "md5-sorted")]
    ByMacro {
        total_fee: Fen,
    }
}

#[test]
fn a_request_declared_inside_macro_rules_encodes() {
    let order = ByMacro {
        out_trade_no: "A1".into(),
        total_fee: Fen::new(5),
    };
    assert_eq!(
        order.sign_string_redacted(),
        "out_trade_no=A1&total_fee=5&key=***"
    );
    let body = order.to_body(&Secret::new("k")).unwrap();
    assert!(body
        .as_str()
        .starts_with("out_trade_no=A1&total_fee=5&sign="));
}

/// What XML 1.0 cannot carry is refused whether it arrives as a character reference or
/// raw: NUL, other controls, U+FFFE and U+FFFF, in text and in CDATA. Tab, newline and
/// carriage return are not refused.
#[test]
fn xml_refuses_raw_characters_it_does_not_allow_as_it_refuses_their_references() {
    for bad in ['\0', '\u{1}', '\u{8}', '\u{1f}', '\u{fffe}', '\u{ffff}'] {
        for body in [
            format!("<xml><attach>a{bad}b</attach></xml>"),
            format!("<xml><attach><![CDATA[a{bad}b]]></attach></xml>"),
            format!("<xml><attach>&#x{:x};</attach></xml>", u32::from(bad)),
        ] {
            let err = paywire::decode::parse_body(Format::Xml, body.as_bytes(), &Limits::default())
                .unwrap_err();
            assert!(
                matches!(err, DecodeError::Malformed { format: "xml", .. }),
                "{body:?}: {err:?}"
            );
        }
    }
    // A raw carriage return is a line end, normalised to a newline as XML 1.0 says; the
    // reference `&#13;` (what paywire writes) keeps it.
    let kept = "<xml><attach>a\tb\nc\rd&#13;</attach></xml>";
    let fields =
        paywire::decode::parse_body(Format::Xml, kept.as_bytes(), &Limits::default()).unwrap();
    assert_eq!(fields.get("attach").unwrap().to_string(), "a\tb\nc\nd\r");
}

/// U+FFFE and U+FFFF share their first byte (`EF`) with characters XML allows (U+F000,
/// U+FFFD, the fullwidth forms): those pass, and a forbidden character after them is
/// still found, whichever comes first.
#[test]
fn xml_tells_forbidden_characters_from_allowed_ones_with_the_same_first_byte() {
    let allowed = "\u{f000}\u{fffd}\u{ff01}中文\u{10000}";
    let body = format!("<xml><attach>{allowed}</attach></xml>");
    let fields =
        paywire::decode::parse_body(Format::Xml, body.as_bytes(), &Limits::default()).unwrap();
    assert_eq!(fields.get("attach").unwrap().to_string(), allowed);
    for bad in ["\u{ffff}", "\u{fffe}", "\u{1}"] {
        for value in [
            format!("{allowed}{bad}"),
            format!("\u{fffd}x{bad}y"),
            format!("{bad}{allowed}"),
        ] {
            let body = format!("<xml><attach><![CDATA[{value}]]></attach></xml>");
            let err = paywire::decode::parse_body(Format::Xml, body.as_bytes(), &Limits::default())
                .unwrap_err();
            let DecodeError::Malformed { reason, .. } = &err else {
                panic!("{value:?}: {err:?}");
            };
            let code = format!("U+{:04X}", u32::from(bad.chars().next().unwrap()));
            assert!(reason.contains(&code), "{value:?}: {reason}");
        }
    }
}

/// A nested object in an XML request is a compile error when its type is not spelled
/// like a scalar; a type that is (a user's struct named `String`) passes that check, and
/// writing the body refuses it instead of dropping or flattening it.
mod lookalike {
    use paywire::{PayObject, PayRequest, Secret};

    #[derive(Debug, Clone, PayObject)]
    pub struct String {
        pub inner: std::string::String,
    }

    #[derive(Debug, Clone, PayRequest)]
    #[pay(format = "xml", sign = "md5-sorted")]
    pub struct Order {
        pub out_trade_no: std::string::String,
        pub detail: String,
    }

    #[test]
    fn a_nested_object_spelled_like_a_scalar_is_refused_when_the_body_is_written() {
        let order = Order {
            out_trade_no: "T1".into(),
            detail: String { inner: "x".into() },
        };
        let error = order.to_body(&Secret::new("k")).unwrap_err();
        let text = error.to_string();
        assert!(text.contains("detail"), "{text}");
        assert!(
            matches!(error, paywire::Error::Unencodable { .. }),
            "{error:?}"
        );
    }
}
