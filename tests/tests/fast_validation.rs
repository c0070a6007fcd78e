//! The derive emits a fast validity check (`FieldAccess::__is_valid`) that `validate`
//! runs first; the table interpreter, which reports every violation, runs only when it
//! says no. The two must agree on every value, or a request the interpreter would refuse
//! could be sent. Here they are compared on the five gateways' requests, each starting
//! valid and then given wild values: empty, one past each limit, multi-byte and 4-byte
//! characters, markup, near-miss IPs, URLs and times, modes mixed or missing.

use paywire::{Fen, FieldAccess, Yuan};
use paywire_providers::{feat, wechat_global as wg, weidoufu};
use proptest::prelude::*;
use std::fmt::Debug;

/// Values chosen to sit on both sides of the declared rules.
fn wild() -> impl Strategy<Value = String> {
    let lengths = vec![
        1usize, 7, 8, 9, 13, 14, 15, 16, 17, 18, 19, 31, 32, 33, 40, 41, 44, 45, 46, 64, 65, 127,
        128, 129, 255, 256, 257, 512, 513,
    ];
    let fills = vec!["a", "9", "中", "😀", "&", "<"];
    let samples = vec![
        "",
        "14.23.150.211",
        "::1",
        "1.2.3",
        "256.1.1.1",
        "2001:db8::1",
        "http://a.b/c",
        "https://x.example.com/n",
        "https://x.example.com/n?q=1",
        "ftp://x.example.com/",
        "http://localhost:8080/x",
        "http://127.0.0.1/n",
        "https://[::1]:443/n",
        "https://a b/",
        "https://a.example.com:99999/",
        "https://u@a.example.com/",
        "20091225091010",
        "20091325091010",
        "2009122509101",
        "2018-06-08T10:34:56+08:00",
        "2018-06-08 10:34:56",
        "UTF-8",
        "utf-8",
        "MD5",
        "0",
        "1",
        "2",
        "jsapi",
        "native",
        "JSAPI",
        "no_credit",
        "official_account",
        "abc😀",
        "\u{1}",
        "a\rb",
        "]]>",
        "HKD",
    ];
    prop_oneof![
        (prop::sample::select(lengths), prop::sample::select(fills))
            .prop_map(|(n, fill)| fill.repeat(n)),
        prop::sample::select(samples).prop_map(str::to_owned),
        ".{0,40}",
    ]
}

/// Up to three (field, value, present) changes.
fn changes(fields: usize) -> impl Strategy<Value = Vec<(usize, String, bool)>> {
    prop::collection::vec((0..fields, wild(), prop::bool::weighted(0.8)), 1..=3)
}

fn opt(value: String, present: bool) -> Option<String> {
    present.then_some(value)
}

fn agree<T: FieldAccess + Debug>(request: &T) -> Result<(), TestCaseError> {
    let fast = request.__is_valid();
    let report = paywire::__private::report(request);
    prop_assert_eq!(fast, report.is_ok(), "{:?}\n{:?}", request, report);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn swiftpass_fast_check_agrees_with_the_interpreter(changes in changes(18), fee in any::<u64>()) {
        let mut r = paywire_providers::swiftpass::sample();
        for (field, v, some) in changes {
            match field {
                0 => r.version = opt(v, some),
                1 => r.charset = opt(v, some),
                2 => r.sign_type = opt(v, some),
                3 => r.out_trade_no = v,
                4 => r.mch_id = v,
                5 => r.sub_appid = v,
                6 => r.device_info = opt(v, some),
                7 => r.nonce_str = v,
                8 => r.body = v,
                9 => r.attach = opt(v, some),
                10 => r.mch_create_ip = v,
                11 => r.notify_url = v,
                12 => r.time_start = opt(v, some),
                13 => r.time_expire = opt(v, some),
                14 => r.goods_tag = opt(v, some),
                15 => r.limit_credit_pay = opt(v, some),
                16 => r.sub_openid = v,
                _ => r.total_fee = Fen::new(fee % 2_000_000_000),
            }
        }
        agree(&r)?;
    }

    #[test]
    fn xorpay_fast_check_agrees_with_the_interpreter(changes in changes(11), n in any::<u64>()) {
        let mut r = paywire_providers::xorpay::sample();
        for (field, v, some) in changes {
            match field {
                0 => r.aid = v,
                1 => r.name = v,
                2 => r.pay_type = v,
                3 => r.price = Yuan(Fen::new(n % 3)),
                4 => r.order_id = v,
                5 => r.order_uid = opt(v, some),
                6 => r.notify_url = v,
                7 => r.return_url = opt(v, some),
                8 => r.openid = opt(v, some),
                9 => r.more = opt(v, some),
                _ => r.expire = some.then_some((n % 3) as u32),
            }
        }
        agree(&r)?;
    }

    #[test]
    fn weidoufu_fast_check_agrees_with_the_interpreter(changes in changes(11), n in any::<u64>()) {
        let mut r = paywire_providers::weidoufu::sample();
        for (field, v, some) in changes {
            match field {
                0 => r.access_key = v,
                1 => r.body = v,
                2 => r.out_order_no = v,
                3 => r.pay_type = (n % 4) as u8,
                4 => r.total_fee = Fen::new(n % 1_000_000_001),
                5 => r.openid = opt(v, some),
                6 => r.buyer_id = opt(v, some),
                7 => r.notify_url = v,
                8 => r.attach = opt(v, some),
                9 => {
                    let receiver = weidoufu::LedgerReceiver { amount: Fen::new(n % 2), sub_mch_no: v };
                    r.ledger = some.then(|| paywire::JsonText(vec![receiver]));
                }
                _ => r.ledger = some.then(|| paywire::JsonText(vec![weidoufu::LedgerReceiver {
                    amount: Fen::new(1),
                    sub_mch_no: "a".repeat((n % 40) as usize),
                }; (n % 20) as usize])),
            }
        }
        agree(&r)?;
    }

    #[test]
    fn wechat_global_fast_check_agrees_with_the_interpreter(changes in changes(20), n in any::<u64>()) {
        let mut r = if n % 2 == 0 { paywire_providers::wechat_global::sample_direct() } else { paywire_providers::wechat_global::sample_institution() };
        for (field, v, some) in changes {
            match field {
                0 => r.mchid = opt(v, some),
                1 => r.appid = opt(v, some),
                2 => r.sub_mchid = opt(v, some),
                3 => r.sp_mchid = opt(v, some),
                4 => r.sp_appid = opt(v, some),
                5 => r.sub_appid = opt(v, some),
                6 => r.description = v,
                7 => r.notify_url = v,
                8 => r.out_trade_no = v,
                9 => r.trade_type = v,
                10 => r.limit_pay = opt(v, some),
                11 => r.time_start = opt(v, some),
                12 => r.merchant_category_code = v,
                13 => r.amount.currency = v,
                14 => r.amount.total = n % 3,
                15 => r.payer = some.then_some(wg::Payer { openid: Some(v), sp_openid: None, sub_openid: None }),
                16 => r.payer = some.then(|| wg::Payer { openid: None, sp_openid: Some(v.clone()), sub_openid: Some(v) }),
                17 => r.scene_info = some.then_some(wg::SceneInfo {
                    device_id: None,
                    device_ip: None,
                    payer_client_ip: Some(v),
                    operator_id: None,
                    store_info: None,
                }),
                18 => r.attach = opt(v, some),
                _ => r.goods_tag = opt(v, some),
            }
        }
        agree(&r)?;
    }

    #[test]
    fn feat_fast_check_agrees_with_the_interpreter(pay in 0u32..400, end in 0u32..400, kind in wild(), open_id in prop::option::of(wild())) {
        let mut r = paywire_providers::feat::sample();
        r.pay_method = pay - pay % 100;
        r.end_type = end - end % 100;
        r.extra_params = Some(feat::ExtraParams { wx_app_type: Some(kind), open_id });
        agree(&r)?;
    }
}
