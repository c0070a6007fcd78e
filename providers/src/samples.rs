//! The gateways' documents' example requests as typed values: valid, ready to sign. Used by
//! the tour example and the tests, and a starting point when you fill in your own.

use crate::{feat, swiftpass, wechat_global as wg, weidoufu, xorpay};
use paywire::{Fen, JsonText, Yuan};

/// featapi: a NATIVE (QR code) WeChat order for the official account.
pub fn feat_native() -> feat::OrderPay {
    feat::OrderPay {
        pay_method: feat::pay_method::WECHAT,
        end_type: feat::end_type::NATIVE,
        extra_params: Some(feat::ExtraParams {
            wx_app_type: Some("official_account".into()),
            open_id: None,
        }),
    }
}

/// weidoufu: a WeChat mini-program order with the document's example values and ledger.
pub fn weidoufu_wechat() -> weidoufu::MiniappPay {
    weidoufu::MiniappPay {
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
    }
}

/// SwiftPass: the request example of SwiftPass's document.
pub fn swiftpass_wap() -> swiftpass::WapPay {
    swiftpass::WapPay {
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
    }
}

/// SwiftPass with `sign_type` RSA_1_256: the same request example of SwiftPass's document.
pub fn swiftpass_wap_rsa() -> swiftpass::WapPayRsa {
    let md5 = swiftpass_wap();
    swiftpass::WapPayRsa {
        version: md5.version,
        charset: md5.charset,
        out_trade_no: md5.out_trade_no,
        mch_id: md5.mch_id,
        sub_appid: md5.sub_appid,
        device_info: md5.device_info,
        nonce_str: md5.nonce_str,
        body: md5.body,
        attach: md5.attach,
        mch_create_ip: md5.mch_create_ip,
        notify_url: md5.notify_url,
        time_start: md5.time_start,
        time_expire: md5.time_expire,
        goods_tag: md5.goods_tag,
        limit_credit_pay: md5.limit_credit_pay,
        sub_openid: md5.sub_openid,
        total_fee: md5.total_fee,
    }
}

/// WeChat Pay Global: a direct-mode JSAPI order (the direct example of WeChat Pay Global's document, with a payer).
pub fn wechat_global_direct() -> wg::JsapiOrder {
    let mut order = wg::JsapiOrder::new(
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
    order.payer = Some(wg::Payer {
        openid: Some("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o".into()),
        ..wg::Payer::default()
    });
    order
}

/// WeChat Pay Global: an institution-mode JSAPI order (the merchant of the first example
/// in WeChat Pay Global's document, with the payer JSAPI needs).
pub fn wechat_global_institution() -> wg::JsapiOrder {
    let mut order = wg::JsapiOrder::new(
        wg::Merchant::Institution {
            sp_mchid: "10000100".into(),
            sp_appid: "wxdace645e0bc2c424".into(),
            sub_mchid: "20000100".into(),
            sub_appid: None,
        },
        "QR code test",
        "YX201710140020Z",
        "https://wxpay.wxutil.com/pub_v2/pay/notify.v2.php",
        "4111",
        wg::Amount {
            total: 10,
            currency: "HKD".into(),
        },
    );
    order.payer = Some(wg::Payer {
        sp_openid: Some("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o".into()),
        ..wg::Payer::default()
    });
    order
}

/// XorPay: a JSAPI order priced 50.00 with the document's example values.
pub fn xorpay_jsapi() -> xorpay::JsapiPay {
    xorpay::JsapiPay {
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
        expire: Some(7200),
    }
}
