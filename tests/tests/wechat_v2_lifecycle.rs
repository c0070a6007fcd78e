//! WeChat Pay v2's refund and refund query against the published vectors of
//! shenghui0779/sdk-go (`mch/refund_test.go`, API key `192006250b4c09247ec02edce69f6a2d`):
//! the requests `TestRefundByTransactionID` (`29261AD6…`), `TestRefundByOutTradeNO`
//! (`D5E6945E…`) and the four `TestQueryRefundBy*` (`8086A266…`, `46F57A79…`, `264E5038…`,
//! `5F14ED52…`) are signed byte for byte, and their answers (`DF0FE19C…`, `68D267B5…`)
//! verify. Every one was recomputed with Python's hashlib before it was copied here.

use paywire::sign::{SignTypeKey, SignTypeVerifyKey};
use paywire::{Fen, PayRequest, Secret, VerifyError};
use paywire_providers::wechat::v2::{
    read_answer, refund_query_request, refund_request, LifecycleError, Refund, RefundAnswer,
    RefundQuery, RefundQueryAnswer, BASE_URL,
};

const KEY: &str = "192006250b4c09247ec02edce69f6a2d";

fn md5() -> SignTypeKey {
    SignTypeKey::Md5(Secret::new(KEY))
}

fn verify_md5() -> SignTypeVerifyKey {
    SignTypeVerifyKey::Md5(Secret::new(KEY))
}

fn refund(transaction_id: Option<&str>, out_trade_no: Option<&str>) -> Refund {
    Refund {
        appid: "wx2421b1c4370ec43b".into(),
        mch_id: "10000100".into(),
        nonce_str: "6cefdb308e1e2e8aabd48cf79e546a02".into(),
        sign_type: Some("MD5".into()),
        transaction_id: transaction_id.map(Into::into),
        out_trade_no: out_trade_no.map(Into::into),
        out_refund_no: "1415701182".into(),
        total_fee: Fen::new(1),
        refund_fee: Fen::new(1),
        refund_fee_type: None,
        refund_desc: None,
        refund_account: None,
        notify_url: None,
    }
}

fn query() -> RefundQuery {
    RefundQuery {
        appid: "wx2421b1c4370ec43b".into(),
        mch_id: "10000100".into(),
        nonce_str: "0b9f35f484df17a732e537c37708d1d0".into(),
        sign_type: Some("MD5".into()),
        refund_id: None,
        out_refund_no: None,
        transaction_id: None,
        out_trade_no: None,
        offset: None,
    }
}

#[test]
fn refunds_sign_as_sdk_go_publishes() {
    let by_transaction = refund(Some("4008450740201411110005820873"), None);
    assert_eq!(
        by_transaction.signature(&md5()),
        "29261AD6EC439F4286BF2F959EBC699D"
    );
    let by_number = refund(None, Some("1415757673"));
    assert_eq!(
        by_number.signature(&md5()),
        "D5E6945E988003E6462ACFF8D7B2DA75"
    );

    let request = refund_request(BASE_URL, &by_number, &md5()).unwrap();
    assert_eq!(request.method(), http::Method::POST);
    assert_eq!(
        request.uri().to_string(),
        "https://api.mch.weixin.qq.com/secapi/pay/refund"
    );
    let body = std::str::from_utf8(request.body()).unwrap();
    assert!(
        body.starts_with("<xml><appid>wx2421b1c4370ec43b</appid>"),
        "{body}"
    );
    assert!(
        body.ends_with("<sign>D5E6945E988003E6462ACFF8D7B2DA75</sign></xml>"),
        "{body}"
    );
}

#[test]
fn refund_queries_sign_as_sdk_go_publishes_by_each_of_the_four_ids() {
    let cases = [
        (
            "refund_id",
            "2008450740201411110000174436",
            "8086A266B3C667377A3AE64E3F547B91",
        ),
        (
            "out_refund_no",
            "1415701182",
            "46F57A796BFF54295FB163CA68CB439D",
        ),
        (
            "transaction_id",
            "1008450740201411110005820873",
            "264E5038F1CB9D66132E769ABB5B745C",
        ),
        (
            "out_trade_no",
            "1415757673",
            "5F14ED52C2F179580A1DED73268A1009",
        ),
    ];
    for (member, value, signature) in cases {
        let mut q = query();
        let slot = match member {
            "refund_id" => &mut q.refund_id,
            "out_refund_no" => &mut q.out_refund_no,
            "transaction_id" => &mut q.transaction_id,
            _ => &mut q.out_trade_no,
        };
        *slot = Some(value.into());
        assert_eq!(q.signature(&md5()), signature, "{member}");
        let request = refund_query_request(BASE_URL, &q, &md5()).unwrap();
        assert_eq!(request.uri().path(), "/pay/refundquery");
    }
    // None of the four, or two of them: which refunds are meant is not clear.
    assert!(refund_query_request(BASE_URL, &query(), &md5()).is_err());
    let mut two = query();
    two.refund_id = Some("2008450740201411110000174436".into());
    two.out_trade_no = Some("1415757673".into());
    assert!(refund_query_request(BASE_URL, &two, &md5()).is_err());
}

#[test]
fn the_key_chooses_the_sign_type_and_a_refund_above_the_total_is_never_signed() {
    // sign_type MD5 with an HMAC key: refused before signing.
    let hmac = SignTypeKey::HmacSha256(Secret::new(KEY));
    let by_number = refund(None, Some("1415757673"));
    assert!(refund_request(BASE_URL, &by_number, &hmac).is_err());
    let mut hmac_refund = by_number.clone();
    hmac_refund.sign_type = Some("HMAC-SHA256".into());
    assert!(refund_request(BASE_URL, &hmac_refund, &hmac).is_ok());

    let mut too_much = by_number;
    too_much.refund_fee = Fen::new(2);
    match refund_request(BASE_URL, &too_much, &md5()) {
        Err(LifecycleError::AboveTotal { refund, total }) => {
            assert_eq!((refund, total), (Fen::new(2), Fen::new(1)))
        }
        other => panic!("{other:?}"),
    }
    // Both order ids, or neither: refused.
    let both = refund(Some("4008450740201411110005820873"), Some("1415757673"));
    assert!(refund_request(BASE_URL, &both, &md5()).is_err());
    assert!(refund_request(BASE_URL, &refund(None, None), &md5()).is_err());
}

const REFUND_ANSWER: &str = "<xml>
	<return_code>SUCCESS</return_code>
	<return_msg>OK</return_msg>
	<appid>wx2421b1c4370ec43b</appid>
	<mch_id>10000100</mch_id>
	<nonce_str>NfsMFbUFpdbEhPXP</nonce_str>
	<sign>DF0FE19C59F29CA163DDEC52CD1346A9</sign>
	<result_code>SUCCESS</result_code>
	<transaction_id>4008450740201411110005820873</transaction_id>
	<out_trade_no>1415757673</out_trade_no>
	<out_refund_no>1415701182</out_refund_no>
	<refund_id>2008450740201411110000174436</refund_id>
	<refund_fee>1</refund_fee>
</xml>";

const QUERY_ANSWER: &str = "<xml>
	<return_code>SUCCESS</return_code>
	<return_msg>OK</return_msg>
	<appid>wx2421b1c4370ec43b</appid>
	<mch_id>10000100</mch_id>
	<nonce_str>TeqClE3i0mvn3DrK</nonce_str>
	<sign>68D267B5AEA32EAB799174129F6131EE</sign>
	<result_code>SUCCESS</result_code>
	<out_refund_no_0>1415701182</out_refund_no_0>
	<out_trade_no>1415757673</out_trade_no>
	<refund_count>1</refund_count>
	<refund_fee_0>1</refund_fee_0>
	<refund_id_0>2008450740201411110000174436</refund_id_0>
	<refund_status_0>PROCESSING</refund_status_0>
	<transaction_id>1008450740201411110005820873</transaction_id>
</xml>";

#[test]
fn sdk_go_s_answers_verify_and_read_as_declared() {
    let answer = read_answer::<RefundAnswer>(REFUND_ANSWER.as_bytes(), &verify_md5()).unwrap();
    assert_eq!(answer.value.refund_fee, Some(Fen::new(1)));
    assert_eq!(answer.value.out_refund_no.as_deref(), Some("1415701182"));

    let query = read_answer::<RefundQueryAnswer>(QUERY_ANSWER.as_bytes(), &verify_md5()).unwrap();
    let record = query.value.refund("1415701182").expect("listed");
    assert_eq!(record.refund_status, "PROCESSING");
    assert_eq!(record.refund_fee, Fen::new(1));
    // PROCESSING is not yet refunded.
    assert_eq!(query.value.refunded(), Some(0));

    // One character of the answer changed: not authentic.
    let forged = QUERY_ANSWER.replace("<refund_fee_0>1<", "<refund_fee_0>2<");
    assert!(matches!(
        read_answer::<RefundQueryAnswer>(forged.as_bytes(), &verify_md5()),
        Err(LifecycleError::Answer(VerifyError::SignatureMismatch))
    ));
    // A merchant configured for HMAC-SHA256 accepts no MD5 answer.
    let hmac = SignTypeVerifyKey::HmacSha256(Secret::new(KEY));
    assert!(read_answer::<RefundAnswer>(REFUND_ANSWER.as_bytes(), &hmac).is_err());
}

#[test]
fn return_code_fail_is_the_gateway_s_unsigned_reason_and_result_code_fail_a_verified_refusal() {
    let fail = "<xml><return_code>FAIL</return_code><return_msg>签名错误</return_msg></xml>";
    match read_answer::<RefundAnswer>(fail.as_bytes(), &verify_md5()) {
        Err(LifecycleError::Answer(VerifyError::Unsigned { value, .. })) => {
            assert_eq!(value, "FAIL")
        }
        other => panic!("{other:?}"),
    }
    // A SUCCESS stripped of its sign is not a FAIL.
    let stripped = REFUND_ANSWER.replace("<sign>DF0FE19C59F29CA163DDEC52CD1346A9</sign>", "");
    assert!(matches!(
        read_answer::<RefundAnswer>(stripped.as_bytes(), &verify_md5()),
        Err(LifecycleError::Answer(VerifyError::SignatureMissing { .. }))
    ));
    // A verified business failure, signed here with md-5 over the sorted members.
    let members = [
        ("appid", "wx2421b1c4370ec43b"),
        ("err_code", "NOTENOUGH"),
        ("err_code_des", "余额不足"),
        ("mch_id", "10000100"),
        ("nonce_str", "NfsMFbUFpdbEhPXP"),
        ("result_code", "FAIL"),
        ("return_code", "SUCCESS"),
    ];
    let members: Vec<(String, String)> = members
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    match read_answer::<RefundAnswer>(signed_xml(&members).as_bytes(), &verify_md5()) {
        Err(LifecycleError::Refused { code, description }) => {
            assert_eq!(code, "NOTENOUGH");
            assert_eq!(description.as_deref(), Some("余额不足"));
        }
        other => panic!("{other:?}"),
    }
}

/// A listed refund: its number, amount, status and coupons (id, amount).
type Listed<'a> = (&'a str, u64, &'a str, &'a [(&'a str, u64)]);

/// A refund query answer with `n` refunds, each with its coupons, signed with md-5.
fn signed_query_answer(refunds: &[Listed<'_>], extra: &[(&str, &str)]) -> String {
    let mut members: Vec<(String, String)> = [
        ("return_code", "SUCCESS"),
        ("result_code", "SUCCESS"),
        ("appid", "wx2421b1c4370ec43b"),
        ("mch_id", "10000100"),
        ("nonce_str", "TeqClE3i0mvn3DrK"),
        ("out_trade_no", "1415757673"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    members.push(("refund_count".into(), refunds.len().to_string()));
    for (n, (number, fee, status, coupons)) in refunds.iter().enumerate() {
        members.push((format!("out_refund_no_{n}"), number.to_string()));
        members.push((format!("refund_id_{n}"), format!("50000{n}")));
        members.push((format!("refund_fee_{n}"), fee.to_string()));
        members.push((format!("refund_status_{n}"), status.to_string()));
        if !coupons.is_empty() {
            let total: u64 = coupons.iter().map(|c| c.1).sum();
            members.push((format!("coupon_refund_fee_{n}"), total.to_string()));
            members.push((
                format!("coupon_refund_count_{n}"),
                coupons.len().to_string(),
            ));
            for (m, (id, fee)) in coupons.iter().enumerate() {
                members.push((format!("coupon_refund_id_{n}_{m}"), id.to_string()));
                members.push((format!("coupon_refund_fee_{n}_{m}"), fee.to_string()));
            }
        }
    }
    members.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    signed_xml(&members)
}

/// `members` as an answer in WeChat Pay v2's XML, in the order given, with the upper-case
/// MD5 of their sorted `k=v&...&key=KEY` string (computed by the md-5 crate) as `sign`.
fn signed_xml(members: &[(String, String)]) -> String {
    let mut sorted = members.to_vec();
    sorted.sort();
    let sign_string = sorted
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
        + "&key="
        + KEY;
    use md5::{Digest, Md5};
    let sign = format!("{:X}", Md5::digest(sign_string.as_bytes()));
    let body: String = members
        .iter()
        .map(|(k, v)| format!("<{k}>{v}</{k}>"))
        .collect();
    format!("<xml>{body}<sign>{sign}</sign></xml>")
}

#[test]
fn refunds_and_their_coupons_are_two_families_read_strictly() {
    let body = signed_query_answer(
        &[
            ("R1", 300, "SUCCESS", &[("C100", 100), ("C101", 50)]),
            ("R2", 200, "PROCESSING", &[]),
        ],
        &[("refund_success_time_0", "2026-12-06 12:00:00")],
    );
    let answer = read_answer::<RefundQueryAnswer>(body.as_bytes(), &verify_md5()).unwrap();
    let first = answer.value.refund("R1").unwrap();
    assert_eq!(first.coupons.len(), 2);
    assert_eq!(first.coupons[1].coupon_refund_id, "C101");
    assert_eq!(first.coupons[1].coupon_refund_fee, Fen::new(50));
    assert_eq!(first.coupon_refund_fee, Some(Fen::new(150)));
    assert_eq!(
        first.refund_success_time.as_deref(),
        Some("2026-12-06 12:00:00")
    );
    assert!(answer.value.refund("R2").unwrap().coupons.is_empty());
    assert_eq!(answer.value.refunded(), Some(300));

    // Validly signed, but a coupon past its count, a gap in the refunds, or a time in
    // another format: refused, never read as something else.
    for extra in [
        [("coupon_refund_id_0_2", "C102")],
        [("out_refund_no_3", "R4")],
        [("refund_success_time_0", "20261206120000")],
    ] {
        let body = signed_query_answer(
            &[("R1", 300, "SUCCESS", &[("C100", 100), ("C101", 50)])],
            &extra,
        );
        assert!(
            read_answer::<RefundQueryAnswer>(body.as_bytes(), &verify_md5()).is_err(),
            "{extra:?}"
        );
    }
}

#[test]
fn hostile_and_malformed_answers_are_errors() {
    for body in [
        "",
        "<xml>",
        "<xml><return_code>SUCCESS</return_code><return_code>FAIL</return_code></xml>",
        "<!DOCTYPE xml [<!ENTITY e \"x\">]><xml><return_code>&e;</return_code></xml>",
        "<xml><return_code><![CDATA[SUCCESS]]]]><![CDATA[>]]></return_code></xml>",
    ] {
        assert!(
            read_answer::<RefundQueryAnswer>(body.as_bytes(), &verify_md5()).is_err(),
            "{body}"
        );
    }
    assert!(read_answer::<RefundAnswer>(b"\xff\xfe<xml/>", &verify_md5()).is_err());
}
