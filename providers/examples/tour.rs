//! A tour of the five ready-made requests: validate, sign and encode each one, then show
//! what a broken request reports. Run with `cargo run -p paywire-providers --example tour`.

use paywire::{Fen, JsonText, PayRequest, Secret, Yuan};
use paywire_providers::{feat, swiftpass, wechat_global as wg, weidoufu, xorpay};

fn show<T: PayRequest>(gateway: &str, request: &T, key: &Secret) {
    println!("== {gateway} ({})", T::SCHEMA.name);
    match request.to_body(key) {
        Ok(body) => {
            let sign_string = request.sign_string_redacted();
            if !sign_string.is_empty() {
                println!("sign string : {sign_string}");
                println!("signature   : {}", request.signature(key));
            }
            println!("content-type: {}", body.content_type());
            println!("body        : {}\n", body.as_str());
        }
        Err(error) => println!("{error}\n"),
    }
}

fn main() {
    let key = Secret::new("192006250b4c09247ec02edce69f6a2d");

    let order = feat::OrderPay {
        pay_method: feat::pay_method::WECHAT,
        end_type: feat::end_type::NATIVE,
        extra_params: Some(feat::ExtraParams {
            wx_app_type: Some("official_account".into()),
            open_id: None,
        }),
    };
    show("featapi", &order, &key);

    let miniapp = weidoufu::MiniappPay {
        access_key: "ak_0123456789abcdef".into(),
        body: "QQ 会员充值".into(),
        out_order_no: "180901620895069445".into(),
        pay_type: 1,
        total_fee: Fen::new(990),
        openid: Some("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o".into()),
        buyer_id: None,
        notify_url: "http://www.your.com/notify_url".into(),
        attach: None,
        ledger: Some(JsonText(vec![weidoufu::LedgerReceiver {
            amount: Fen::new(1),
            sub_mch_no: "xxxxxxxx".into(),
        }])),
    };
    show("weidoufu", &miniapp, &key);

    let wap = swiftpass::WapPay {
        version: None,
        charset: Some("UTF-8".into()),
        sign_type: Some("MD5".into()),
        out_trade_no: "1415659990".into(),
        mch_id: "10000100".into(),
        sub_appid: "wx2421b1c4370ec43b".into(),
        device_info: None,
        nonce_str: "1add1a30ac87aa2db72f57a2375d8fec".into(),
        body: "H5支付测试".into(),
        attach: Some("支付测试".into()),
        mch_create_ip: "14.23.150.211".into(),
        notify_url: "http://wxpay.wxutil.com/pub_v2/pay/notify.v2.php".into(),
        time_start: None,
        time_expire: None,
        goods_tag: None,
        limit_credit_pay: None,
        sub_openid: "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o".into(),
        total_fee: Fen::new(1),
    };
    show("swiftpass", &wap, &key);

    let mut jsapi = wg::JsapiOrder::new(
        wg::Merchant::Direct {
            mchid: "10000100".into(),
            appid: "wx2421b1c4370ec43b".into(),
        },
        "image形象店-深圳腾大- QQ公仔",
        "YX202111100020Z",
        "https://wxpay.wxutil.com/pub_v2/pay/notify.v2.php",
        "4111",
        wg::Amount {
            total: 10,
            currency: "HKD".into(),
        },
    );
    jsapi.payer = Some(wg::Payer {
        openid: Some("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o".into()),
        ..Default::default()
    });
    show("wechat_global", &jsapi, &key);

    let xor = xorpay::JsapiPay {
        aid: "8e1d2b".into(),
        name: "XorPay 账户充值".into(),
        pay_type: "jsapi".into(),
        price: Yuan(Fen::new(5000)),
        order_id: "14".into(),
        order_uid: None,
        notify_url: "http://example.com:3094/pay_callback".into(),
        return_url: None,
        openid: Some("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o".into()),
        more: None,
        expire: None,
    };
    show("xorpay", &xor, &key);

    let mut broken = miniapp.clone();
    broken.out_order_no = "1809016208".into();
    broken.body = "会员充值".repeat(3);
    broken.openid = None;
    show("weidoufu, broken on purpose", &broken, &key);
}
