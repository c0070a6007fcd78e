//! Hand-written baselines: the same validation, signature and body as paywire's, written
//! directly for each request, the way a careful engineer would without the toolkit.
//! Each must produce the very same body (checked before measuring).

use md5::Digest;
use paywire_providers::{feat, swiftpass, wechat_global, weidoufu, xorpay};
use serde::Serialize;
use std::net::IpAddr;

fn check_len(value: &str, min: usize, max: usize, name: &str) -> Result<(), String> {
    if value.len() < min || value.len() > max {
        return Err(format!(
            "{name}: length {} not in {min}..={max}",
            value.len()
        ));
    }
    Ok(())
}

fn check_opt(value: Option<&str>, min: usize, max: usize, name: &str) -> Result<(), String> {
    value.map_or(Ok(()), |v| check_len(v, min, max, name))
}

fn is_url(s: &str) -> bool {
    (s.starts_with("http://") || s.starts_with("https://")) && !s.contains(char::is_whitespace)
}

fn hex(bytes: &[u8], digits: &[u8; 16]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(digits[usize::from(b >> 4)]));
        out.push(char::from(digits[usize::from(b & 15)]));
    }
    out
}

fn upper_md5(text: &str) -> String {
    hex(&md5::Md5::digest(text.as_bytes()), b"0123456789ABCDEF")
}

fn pair(out: &mut String, name: &str, value: Option<&str>) {
    if let Some(v) = value.filter(|v| !v.is_empty()) {
        if !out.is_empty() {
            out.push('&');
        }
        out.push_str(name);
        out.push('=');
        out.push_str(v);
    }
}

fn element(out: &mut String, name: &str, value: Option<&str>) {
    if let Some(v) = value {
        out.push('<');
        out.push_str(name);
        out.push('>');
        for c in v.chars() {
            match c {
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '\r' => out.push_str("&#13;"),
                c => out.push(c),
            }
        }
        out.push_str("</");
        out.push_str(name);
        out.push('>');
    }
}

/// SwiftPass `pay.weixin.wap`: XML, sorted MD5 with `&key=`, upper.
pub fn swiftpass(r: &swiftpass::WapPay, key: &str) -> Result<String, String> {
    check_opt(r.version.as_deref(), 1, 8, "version")?;
    check_opt(r.charset.as_deref(), 1, 8, "charset")?;
    if r.charset.as_deref().is_some_and(|c| c != "UTF-8") {
        return Err("charset".into());
    }
    check_opt(r.sign_type.as_deref(), 1, 8, "sign_type")?;
    if r.sign_type.as_deref().is_some_and(|c| c != "MD5") {
        return Err("sign_type".into());
    }
    check_len(&r.out_trade_no, 1, 45, "out_trade_no")?;
    check_len(&r.mch_id, 1, 45, "mch_id")?;
    check_len(&r.sub_appid, 1, 45, "sub_appid")?;
    check_opt(r.device_info.as_deref(), 1, 32, "device_info")?;
    check_len(&r.nonce_str, 1, 32, "nonce_str")?;
    check_len(&r.body, 1, 128, "body")?;
    check_opt(r.attach.as_deref(), 1, 128, "attach")?;
    check_len(&r.mch_create_ip, 1, 16, "mch_create_ip")?;
    r.mch_create_ip
        .parse::<IpAddr>()
        .map_err(|_| "mch_create_ip")?;
    check_len(&r.notify_url, 1, 255, "notify_url")?;
    if !is_url(&r.notify_url) {
        return Err("notify_url".into());
    }
    for (name, t) in [
        ("time_start", &r.time_start),
        ("time_expire", &r.time_expire),
    ] {
        if let Some(t) = t {
            if t.len() != 14 || !t.bytes().all(|b| b.is_ascii_digit()) {
                return Err(name.into());
            }
        }
    }
    check_opt(r.goods_tag.as_deref(), 1, 32, "goods_tag")?;
    if r.limit_credit_pay
        .as_deref()
        .is_some_and(|v| v != "0" && v != "1")
    {
        return Err("limit_credit_pay".into());
    }
    check_len(&r.sub_openid, 1, 128, "sub_openid")?;
    if !(1..=999_999_999).contains(&r.total_fee.get()) {
        return Err("total_fee".into());
    }
    let total_fee = r.total_fee.get().to_string();
    let mut s = String::with_capacity(512);
    pair(&mut s, "attach", r.attach.as_deref());
    pair(&mut s, "body", Some(&r.body));
    pair(&mut s, "charset", r.charset.as_deref());
    pair(&mut s, "device_info", r.device_info.as_deref());
    pair(&mut s, "goods_tag", r.goods_tag.as_deref());
    pair(&mut s, "limit_credit_pay", r.limit_credit_pay.as_deref());
    pair(&mut s, "mch_create_ip", Some(&r.mch_create_ip));
    pair(&mut s, "mch_id", Some(&r.mch_id));
    pair(&mut s, "nonce_str", Some(&r.nonce_str));
    pair(&mut s, "notify_url", Some(&r.notify_url));
    pair(&mut s, "out_trade_no", Some(&r.out_trade_no));
    pair(&mut s, "service", Some("pay.weixin.wap"));
    pair(&mut s, "sign_type", r.sign_type.as_deref());
    pair(&mut s, "sub_appid", Some(&r.sub_appid));
    pair(&mut s, "sub_openid", Some(&r.sub_openid));
    pair(&mut s, "time_expire", r.time_expire.as_deref());
    pair(&mut s, "time_start", r.time_start.as_deref());
    pair(&mut s, "total_fee", Some(&total_fee));
    pair(&mut s, "version", r.version.as_deref());
    s.push_str("&key=");
    s.push_str(key);
    let sign = upper_md5(&s);
    let mut x = String::with_capacity(768);
    x.push_str("<xml>");
    element(&mut x, "service", Some("pay.weixin.wap"));
    element(&mut x, "version", r.version.as_deref());
    element(&mut x, "charset", r.charset.as_deref());
    element(&mut x, "sign_type", r.sign_type.as_deref());
    element(&mut x, "out_trade_no", Some(&r.out_trade_no));
    element(&mut x, "mch_id", Some(&r.mch_id));
    element(&mut x, "sub_appid", Some(&r.sub_appid));
    element(&mut x, "device_info", r.device_info.as_deref());
    element(&mut x, "nonce_str", Some(&r.nonce_str));
    element(&mut x, "body", Some(&r.body));
    element(&mut x, "attach", r.attach.as_deref());
    element(&mut x, "mch_create_ip", Some(&r.mch_create_ip));
    element(&mut x, "notify_url", Some(&r.notify_url));
    element(&mut x, "time_start", r.time_start.as_deref());
    element(&mut x, "time_expire", r.time_expire.as_deref());
    element(&mut x, "goods_tag", r.goods_tag.as_deref());
    element(&mut x, "limit_credit_pay", r.limit_credit_pay.as_deref());
    element(&mut x, "sub_openid", Some(&r.sub_openid));
    element(&mut x, "total_fee", Some(&total_fee));
    element(&mut x, "sign", Some(&sign));
    x.push_str("</xml>");
    Ok(x)
}

#[derive(Serialize)]
struct WeidoufuBody<'a> {
    access_key: &'a str,
    body: &'a str,
    out_order_no: &'a str,
    pay_type: u8,
    total_fee: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    openid: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    buyer_id: Option<&'a str>,
    notify_url: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    attach: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ledger: Option<String>,
    sign: String,
}

#[derive(Serialize)]
struct Receiver<'a> {
    amount: u64,
    sub_mch_no: &'a str,
}

/// weidoufu mini-program pay: JSON, sorted MD5 with `&secret_key=`, upper.
pub fn weidoufu(r: &weidoufu::MiniappPay, secret: &str) -> Result<String, String> {
    check_len(&r.access_key, 1, 32, "access_key")?;
    check_len(&r.body, 1, 32, "body")?;
    check_len(&r.out_order_no, 18, 32, "out_order_no")?;
    if !r.out_order_no.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err("out_order_no".into());
    }
    if r.pay_type != 1 && r.pay_type != 2 {
        return Err("pay_type".into());
    }
    if !(1..=999_999_999).contains(&r.total_fee.get()) {
        return Err("total_fee".into());
    }
    match (r.pay_type, &r.openid, &r.buyer_id) {
        (1, Some(o), None) if !o.is_empty() && o.len() <= 32 => {}
        (2, None, Some(b)) if !b.is_empty() && b.len() <= 32 => {}
        _ => return Err("openid / buyer_id".into()),
    }
    check_len(&r.notify_url, 1, 128, "notify_url")?;
    if !is_url(&r.notify_url) {
        return Err("notify_url".into());
    }
    check_opt(r.attach.as_deref(), 0, 128, "attach")?;
    let ledger = match &r.ledger {
        Some(l) => {
            let receivers: Vec<Receiver<'_>> =
                l.0.iter()
                    .map(|x| Receiver {
                        amount: x.amount.get(),
                        sub_mch_no: &x.sub_mch_no,
                    })
                    .collect();
            let text = serde_json::to_string(&receivers).map_err(|e| e.to_string())?;
            check_len(&text, 0, 512, "ledger")?;
            Some(text)
        }
        None => None,
    };
    let (pay_type, total_fee) = (r.pay_type.to_string(), r.total_fee.get().to_string());
    let mut s = String::with_capacity(512);
    pair(&mut s, "access_key", Some(&r.access_key));
    pair(&mut s, "attach", r.attach.as_deref());
    pair(&mut s, "body", Some(&r.body));
    pair(&mut s, "buyer_id", r.buyer_id.as_deref());
    pair(&mut s, "ledger", ledger.as_deref());
    pair(&mut s, "notify_url", Some(&r.notify_url));
    pair(&mut s, "openid", r.openid.as_deref());
    pair(&mut s, "out_order_no", Some(&r.out_order_no));
    pair(&mut s, "pay_type", Some(&pay_type));
    pair(&mut s, "total_fee", Some(&total_fee));
    s.push_str("&secret_key=");
    s.push_str(secret);
    let body = WeidoufuBody {
        access_key: &r.access_key,
        body: &r.body,
        out_order_no: &r.out_order_no,
        pay_type: r.pay_type,
        total_fee: r.total_fee.get(),
        openid: r.openid.as_deref(),
        buyer_id: r.buyer_id.as_deref(),
        notify_url: &r.notify_url,
        attach: r.attach.as_deref(),
        ledger,
        sign: upper_md5(&s),
    };
    serde_json::to_string(&body).map_err(|e| e.to_string())
}

/// XorPay JSAPI: form, MD5 of the concatenation, lower.
pub fn xorpay(r: &xorpay::JsapiPay, secret: &str) -> Result<String, String> {
    for (name, v) in [
        ("aid", &r.aid),
        ("name", &r.name),
        ("order_id", &r.order_id),
        ("notify_url", &r.notify_url),
    ] {
        if v.is_empty() {
            return Err(name.into());
        }
    }
    if !matches!(r.pay_type.as_str(), "jsapi" | "native" | "alipay") {
        return Err("pay_type".into());
    }
    if r.price.fen().get() == 0
        || !is_url(&r.notify_url)
        || r.return_url.as_deref().is_some_and(|u| !is_url(u))
    {
        return Err("price / urls".into());
    }
    if r.pay_type == "jsapi" && r.openid.as_deref().is_none_or(str::is_empty) {
        return Err("openid".into());
    }
    if r.expire == Some(0) {
        return Err("expire".into());
    }
    let fen = r.price.fen().get();
    let price = format!("{}.{:02}", fen / 100, fen % 100);
    let concatenated = format!(
        "{}{}{}{}{}{secret}",
        r.name, r.pay_type, price, r.order_id, r.notify_url
    );
    let sign = hex(
        &md5::Md5::digest(concatenated.as_bytes()),
        b"0123456789abcdef",
    );
    let mut form = form_urlencoded::Serializer::new(String::with_capacity(384));
    form.append_pair("name", &r.name)
        .append_pair("pay_type", &r.pay_type)
        .append_pair("price", &price);
    form.append_pair("order_id", &r.order_id);
    if let Some(v) = &r.order_uid {
        form.append_pair("order_uid", v);
    }
    form.append_pair("notify_url", &r.notify_url);
    for (name, v) in [
        ("return_url", &r.return_url),
        ("openid", &r.openid),
        ("more", &r.more),
    ] {
        if let Some(v) = v {
            form.append_pair(name, v);
        }
    }
    if let Some(e) = r.expire {
        form.append_pair("expire", &e.to_string());
    }
    form.append_pair("sign", &sign);
    Ok(form.finish())
}

#[derive(Serialize)]
struct Payer<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    openid: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sp_openid: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sub_openid: Option<&'a str>,
}

#[derive(Serialize)]
struct Amount<'a> {
    total: u64,
    currency: &'a str,
}

#[derive(Serialize)]
struct Jsapi<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    mchid: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    appid: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sub_mchid: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sp_mchid: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sp_appid: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sub_appid: Option<&'a str>,
    description: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    attach: Option<&'a str>,
    notify_url: &'a str,
    out_trade_no: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    goods_tag: Option<&'a str>,
    trade_type: &'a str,
    merchant_category_code: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    payer: Option<Payer<'a>>,
    amount: Amount<'a>,
}

/// WeChat Pay Global JSAPI: JSON (the body is not signed; the Authorization header is).
pub fn wechat_global(r: &wechat_global::JsapiOrder, _: &str) -> Result<String, String> {
    let direct = r.mchid.is_some() && r.appid.is_some();
    let institution = r.sp_mchid.is_some() && r.sp_appid.is_some() && r.sub_mchid.is_some();
    if direct == institution {
        return Err("exactly one merchant mode".into());
    }
    check_len(&r.description, 1, 127, "description")?;
    if r.description.chars().any(|c| c.len_utf8() > 3) {
        return Err("description".into());
    }
    check_len(&r.notify_url, 1, 256, "notify_url")?;
    if !r.notify_url.starts_with("https://") || r.notify_url.contains('?') {
        return Err("notify_url".into());
    }
    check_len(&r.out_trade_no, 1, 32, "out_trade_no")?;
    if !matches!(
        r.trade_type.as_str(),
        "JSAPI" | "NATIVE" | "APP" | "MWEB" | "MICROPAY"
    ) {
        return Err("trade_type".into());
    }
    check_len(&r.merchant_category_code, 1, 16, "merchant_category_code")?;
    if r.amount.total == 0 {
        return Err("amount.total".into());
    }
    // JSAPI needs the payer, identified the way the merchant mode says.
    let set = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.is_empty());
    let identified = r.payer.as_ref().is_some_and(|p| {
        (direct && set(&p.openid)) || (institution && (set(&p.sp_openid) || set(&p.sub_openid)))
    });
    if !identified {
        return Err("payer".into());
    }
    let body = Jsapi {
        mchid: r.mchid.as_deref(),
        appid: r.appid.as_deref(),
        sub_mchid: r.sub_mchid.as_deref(),
        sp_mchid: r.sp_mchid.as_deref(),
        sp_appid: r.sp_appid.as_deref(),
        sub_appid: r.sub_appid.as_deref(),
        description: &r.description,
        attach: r.attach.as_deref(),
        notify_url: &r.notify_url,
        out_trade_no: &r.out_trade_no,
        goods_tag: r.goods_tag.as_deref(),
        trade_type: &r.trade_type,
        merchant_category_code: &r.merchant_category_code,
        payer: r.payer.as_ref().map(|p| Payer {
            openid: p.openid.as_deref(),
            sp_openid: p.sp_openid.as_deref(),
            sub_openid: p.sub_openid.as_deref(),
        }),
        amount: Amount {
            total: r.amount.total,
            currency: &r.amount.currency,
        },
    };
    serde_json::to_string(&body).map_err(|e| e.to_string())
}

#[derive(Serialize)]
struct Extra<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    wx_app_type: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    open_id: Option<&'a str>,
}

#[derive(Serialize)]
struct FeatBody<'a> {
    pay_method: u32,
    end_type: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    extra_params: Option<Extra<'a>>,
}

/// featapi order pay: JSON, unsigned.
pub fn feat(r: &feat::OrderPay, _: &str) -> Result<String, String> {
    // The declaration's rules: pay_method 200 only, end_type 0 / 100 / 200, the app type
    // listed and paired with the end type, JSAPI with an open_id.
    if r.pay_method != 200 || ![0, 100, 200].contains(&r.end_type) {
        return Err("pay_method / end_type".into());
    }
    let extra = r.extra_params.as_ref();
    let app_type = extra
        .and_then(|e| e.wx_app_type.as_deref())
        .unwrap_or("official_account");
    let expected = if r.end_type == 100 {
        "feat_ios_app"
    } else {
        "official_account"
    };
    if app_type != expected {
        return Err("wx_app_type".into());
    }
    if r.end_type == 200
        && extra
            .and_then(|e| e.open_id.as_deref())
            .is_none_or(str::is_empty)
    {
        return Err("open_id".into());
    }
    let body = FeatBody {
        pay_method: r.pay_method,
        end_type: r.end_type,
        extra_params: r.extra_params.as_ref().map(|e| Extra {
            wx_app_type: e.wx_app_type.as_deref(),
            open_id: e.open_id.as_deref(),
        }),
    };
    serde_json::to_string(&body).map_err(|e| e.to_string())
}
