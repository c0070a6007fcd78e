//! WeChat Pay Global (Hong Kong) v3 JSAPI order
//! (`POST https://apihk.mch.weixin.qq.com/v3/global/transactions/jsapi`).
//!
//! JSON with nested objects. The body is not signed: the call carries a
//! `WECHATPAY2-SHA256-RSA2048` `Authorization` header over the whole HTTP message.
//!
//! Two merchant modes share the table: direct (`mchid`, `appid`) and institution
//! (`sp_mchid`, `sp_appid`, `sub_mchid`, optional `sub_appid`). They are declared as
//! exclusive groups, so validation refuses a mix or neither; [`Merchant`] builds an
//! order in exactly one mode, so the typed path cannot produce a mix at all.

mod lifecycle;
#[cfg(feature = "client")]
mod refresh;
mod registry;
mod request;
mod response;
mod steps;

pub use lifecycle::*;
#[cfg(feature = "client")]
#[cfg_attr(paywire_docsrs, doc(cfg(feature = "client")))]
pub use refresh::{PlatformKeysRefresh, RefreshError};
pub use registry::*;
pub use request::{
    certificates_request, name_platform_key, request, sample_direct, sample_institution,
};
pub use response::*;

use paywire::{Actual, Path, PayObject, PayRequest, SchemaErrors};

/// Production base URL.
pub const BASE_URL: &str = "https://apihk.mch.weixin.qq.com";

/// JSAPI支付下单: the request body.
#[derive(Debug, Clone, PartialEq, Eq, PayRequest)]
#[pay(format = "json", sign = "none", validate_with = check_payer_mode)]
pub struct JsapiOrder {
    /// 商户号: 微信支付分配的商户号 (仅适用于直连模式)
    #[pay(len = 1..=32, utf8mb3, group = "direct")]
    pub mchid: Option<String>,
    /// APPID: 商户在微信公众平台或开放平台生成的应用的APPID (仅适用于直连模式)
    #[pay(len = 1..=32, utf8mb3, group = "direct")]
    pub appid: Option<String>,
    /// 子商户号: 微信支付分配的子商户号 (仅适用于机构模式)
    #[pay(len = 1..=32, utf8mb3, group = "institution")]
    pub sub_mchid: Option<String>,
    /// 机构商户号: 微信支付分配的机构商户号 (仅适用于机构模式)
    #[pay(len = 1..=32, utf8mb3, group = "institution")]
    pub sp_mchid: Option<String>,
    /// 机构APPID: 机构在微信公众平台申请服务号对应的APPID (仅适用于机构模式)
    #[pay(len = 1..=32, utf8mb3, group = "institution")]
    pub sp_appid: Option<String>,
    /// 子商户APPID: 商户在微信开放平台申请移动应用对应的APPID (仅适用于机构模式)
    #[pay(len = 1..=32, utf8mb3, group = "institution", optional)]
    pub sub_appid: Option<String>,
    /// 商品描述: 商品或支付单简要描述,格式要求:门店品牌名-城市分店名-实际商品名称
    #[pay(len = 1..=127, utf8mb3)]
    pub description: String,
    /// 商户数据: 附加数据,在查询API和支付通知中原样返回
    #[pay(len = 1..=127, utf8mb3)]
    pub attach: Option<String>,
    /// 通知地址: 异步接收微信支付结果通知的回调地址,不能携带参数,请使用https协议链接
    #[pay(len = 1..=256, https_url)]
    pub notify_url: String,
    /// 商户订单号: 商户系统内部的订单号,32个字符内、可包含字母
    #[pay(len = 1..=32, utf8mb3)]
    pub out_trade_no: String,
    /// 商品标记
    #[pay(len = 1..=32, utf8mb3)]
    pub goods_tag: Option<String>,
    /// 交易类型: JSAPI 公众号支付, NATIVE 扫码支付, APP App支付, MWEB H5支付, MICROPAY 付款码支付
    #[pay(len = 1..=16, one_of("JSAPI", "NATIVE", "APP", "MWEB", "MICROPAY"))]
    pub trade_type: String,
    /// 指定支付方式: no_credit 指定不能使用信用卡支付
    #[pay(len = 1..=32, one_of("no_credit"))]
    pub limit_pay: Option<String>,
    /// 交易起始时间: 订单生成时间,rfc3339格式,如2018-06-08T10:34:56+08:00
    #[pay(len = 1..=64, rfc3339)]
    pub time_start: Option<String>,
    /// 交易结束时间: 订单失效时间,rfc3339格式,如2018-06-08T10:34:56+08:00
    #[pay(len = 1..=64, rfc3339)]
    pub time_expire: Option<String>,
    /// MCC码: 商户行业编码
    #[pay(len = 1..=16, utf8mb3)]
    pub merchant_category_code: String,
    /// 支付者: 支付者信息
    pub payer: Option<Payer>,
    /// 订单金额: 订单金额信息
    pub amount: Amount,
    /// 场景信息: 场景信息对象
    pub scene_info: Option<SceneInfo>,
    /// 优惠功能: 优惠功能信息
    pub detail: Option<Detail>,
}

/// `payer`: who pays.
#[derive(Debug, Clone, PartialEq, Eq, Default, PayObject)]
pub struct Payer {
    /// 用户标识: 用户在商户appid对应下的唯一标识 (仅适用于直连模式)
    #[pay(len = 1..=128, utf8mb3)]
    pub openid: Option<String>,
    /// 用户标识(机构): 用户在机构sp_appid对应下的唯一标识 (仅适用于机构模式)
    #[pay(len = 1..=128, utf8mb3)]
    pub sp_openid: Option<String>,
    /// 用户标识(子商户): 用户在子商户sub_appid下用户唯一标识;传sub_openid则必须传sub_appid (仅适用于机构模式)
    #[pay(len = 1..=128, utf8mb3)]
    pub sub_openid: Option<String>,
}

/// `amount`: the order amount.
#[derive(Debug, Clone, PartialEq, Eq, PayObject)]
pub struct Amount {
    /// 总金额: 订单总金额,币种的最小单位,只能为整数
    #[pay(range = 1..)]
    pub total: u64,
    /// 货币类型: 符合ISO 4217标准的三位字母代码,如 HKD
    #[pay(len = 1..=16, utf8mb3)]
    pub currency: String,
}

/// `scene_info`: where the payment happens.
#[derive(Debug, Clone, PartialEq, Eq, Default, PayObject)]
pub struct SceneInfo {
    /// 商户端设备号: 终端设备号(商户自定义,如门店编号)
    #[pay(len = 1..=32, utf8mb3)]
    pub device_id: Option<String>,
    /// 商户端设备IP: 商户侧设备IP,取公网出口IP,支持IPV6
    #[pay(len = 1..=40, ip)]
    pub device_ip: Option<String>,
    /// 用户终端IP: 用户侧设备IP,取公网出口IP,支持IPV6
    #[pay(len = 1..=40, ip)]
    pub payer_client_ip: Option<String>,
    /// 操作员ID: 收银员ID,由商户自定义
    #[pay(len = 1..=32, utf8mb3)]
    pub operator_id: Option<String>,
    /// 商户门店信息: 门店信息对象
    pub store_info: Option<StoreInfo>,
}

/// `scene_info.store_info`: the merchant's store.
#[derive(Debug, Clone, PartialEq, Eq, PayObject)]
pub struct StoreInfo {
    /// 编号: 商户侧门店ID
    #[pay(len = 1..=32, utf8mb3)]
    pub id: String,
    /// 名称: 商户侧门店名称
    #[pay(len = 1..=32, utf8mb3)]
    pub name: Option<String>,
    /// 详细地址: 详细的商户门店地址
    #[pay(len = 1..=64, utf8mb3)]
    pub address: Option<String>,
}

/// `detail`: discount information.
#[derive(Debug, Clone, PartialEq, Eq, Default, PayObject)]
pub struct Detail {
    /// 订单原价: 商户侧一张小票订单可能被分多次支付,订单原价用于记录整张小票的交易金额
    pub cost_price: Option<u64>,
    /// 商品小票ID: 商家小票ID
    #[pay(len = 1..=32, utf8mb3)]
    pub receipt_id: Option<String>,
    /// 单品列表: 单品信息
    pub goods_detail: Option<Vec<GoodsDetail>>,
}

/// `detail.goods_detail[]`: one item.
#[derive(Debug, Clone, PartialEq, Eq, PayObject)]
pub struct GoodsDetail {
    /// 商品编码: 由半角的大小写字母、数字、中划线、下划线中的一种或几种组成
    #[pay(len = 1..=32, utf8mb3)]
    pub goods_id: String,
    /// 微信支付商品编码: 微信支付定义的统一商品编号(没有可不传)
    #[pay(len = 1..=32, utf8mb3)]
    pub wxpay_goods_id: Option<String>,
    /// 商品名称: 商品的实际名称
    #[pay(len = 1..=256, utf8mb3)]
    pub goods_name: Option<String>,
    /// 商品数量: 用户购买的数量
    #[pay(range = 1..)]
    pub quantity: u32,
    /// 商品单价: 如果商户有优惠,需传输商户优惠后的单价
    pub price: u64,
}

/// The merchant identity of an order: exactly one of the two modes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Merchant {
    /// 直连模式: the merchant's own `mchid` and `appid`.
    Direct {
        /// 商户号
        mchid: String,
        /// APPID
        appid: String,
    },
    /// 机构模式: an institution acting for a sub-merchant.
    Institution {
        /// 机构商户号
        sp_mchid: String,
        /// 机构APPID
        sp_appid: String,
        /// 子商户号
        sub_mchid: String,
        /// 子商户APPID (required when the payer is identified by `sub_openid`)
        sub_appid: Option<String>,
    },
}

impl JsapiOrder {
    /// An order in one merchant mode, with the required fields; set the optional ones
    /// on the returned value.
    pub fn new(
        merchant: Merchant,
        description: impl Into<String>,
        out_trade_no: impl Into<String>,
        notify_url: impl Into<String>,
        merchant_category_code: impl Into<String>,
        amount: Amount,
    ) -> Self {
        let mut order = JsapiOrder {
            mchid: None,
            appid: None,
            sub_mchid: None,
            sp_mchid: None,
            sp_appid: None,
            sub_appid: None,
            description: description.into(),
            attach: None,
            notify_url: notify_url.into(),
            out_trade_no: out_trade_no.into(),
            goods_tag: None,
            trade_type: "JSAPI".to_owned(),
            limit_pay: None,
            time_start: None,
            time_expire: None,
            merchant_category_code: merchant_category_code.into(),
            payer: None,
            amount,
            scene_info: None,
            detail: None,
        };
        match merchant {
            Merchant::Direct { mchid, appid } => {
                order.mchid = Some(mchid);
                order.appid = Some(appid);
            }
            Merchant::Institution {
                sp_mchid,
                sp_appid,
                sub_mchid,
                sub_appid,
            } => {
                order.sp_mchid = Some(sp_mchid);
                order.sp_appid = Some(sp_appid);
                order.sub_mchid = Some(sub_mchid);
                order.sub_appid = sub_appid;
            }
        }
        order
    }

    /// The merchant mode in use, if the fields form exactly one.
    pub fn merchant(&self) -> Option<Merchant> {
        match self {
            JsapiOrder {
                mchid: Some(mchid),
                appid: Some(appid),
                sp_mchid: None,
                sp_appid: None,
                sub_mchid: None,
                sub_appid: None,
                ..
            } => Some(Merchant::Direct {
                mchid: mchid.clone(),
                appid: appid.clone(),
            }),
            JsapiOrder {
                mchid: None,
                appid: None,
                sp_mchid: Some(sp_mchid),
                sp_appid: Some(sp_appid),
                sub_mchid: Some(sub_mchid),
                sub_appid,
                ..
            } => Some(Merchant::Institution {
                sp_mchid: sp_mchid.clone(),
                sp_appid: sp_appid.clone(),
                sub_mchid: sub_mchid.clone(),
                sub_appid: sub_appid.clone(),
            }),
            _ => None,
        }
    }
}

/// Payer identifiers must match the merchant mode, and `sub_openid` needs `sub_appid`:
/// rules that span the top level and the nested `payer`, so checked here.
fn check_payer_mode(order: &JsapiOrder, at: &Path<'_>, errors: &mut SchemaErrors) {
    let payer_path = at.key("payer");
    let set = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.is_empty());
    let direct = set(&order.mchid) || set(&order.appid);
    let institution = set(&order.sp_mchid) || set(&order.sp_appid) || set(&order.sub_mchid);
    // JSAPI pays inside WeChat as a known user: the gateway refuses an order without one
    // (its error example points at `#/properties/payer`).
    let identified = order.payer.as_ref().is_some_and(|p| {
        (direct && set(&p.openid))
            || (institution && (set(&p.sp_openid) || set(&p.sub_openid)))
            || (!direct && !institution)
    });
    if !identified {
        let message = if institution {
            "JSAPI needs the payer: send payer.sp_openid, or payer.sub_openid with sub_appid"
        } else {
            "JSAPI needs the payer: send payer.openid"
        };
        errors.custom(&payer_path, "required", message, Actual::Missing);
    }
    let Some(payer) = &order.payer else { return };
    if set(&payer.sub_openid) && !set(&order.sub_appid) {
        errors.custom(
            &at.key("sub_appid"),
            "required_with",
            "payer.sub_openid is set, so sub_appid is required; fill it in, or identify the payer by payer.sp_openid",
            Actual::Missing,
        );
    }
    if direct && (set(&payer.sp_openid) || set(&payer.sub_openid)) {
        let field = if set(&payer.sp_openid) {
            "sp_openid"
        } else {
            "sub_openid"
        };
        errors.custom(
            &payer_path.key(field),
            "group",
            "sp_openid and sub_openid belong to institution mode; in direct mode send payer.openid",
            Actual::Set,
        );
    }
    if institution && set(&payer.openid) {
        errors.custom(
            &payer_path.key("openid"),
            "group",
            "payer.openid belongs to direct mode; in institution mode send payer.sp_openid or payer.sub_openid",
            Actual::Set,
        );
    }
}
