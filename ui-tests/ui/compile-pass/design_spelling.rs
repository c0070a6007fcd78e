//! The declaration language exactly as DESIGN.md spells it (minus `sign = 1`, which only
//! md5-concat accepts), plus an md5-concat declaration with positions.
use paywire::{Fen, PayRequest, Secret, Yuan};

#[derive(Debug, Clone, PayRequest)]
#[pay(
    format = "xml",
    sign = "md5-sorted",
    sign_key = "key",
    sign_case = "upper",
    sign_field = "sign",
    constant(service = "pay.weixin.wap"),
)]
pub struct Illustration {
    #[pay(len = ..=8)]        pub version: Option<String>,
    #[pay(len = 1..=45)]      pub out_trade_no: String,
    #[pay(chars = 1..=127)]   pub description: String,
    #[pay(range = 1..=999_999_999)] pub total_fee: Fen,
    #[pay(one_of("0", "100", "200"))] pub pay_method: u32,
    pub pay_type: String,
    #[pay(required_if(pay_type = "1"))] pub openid: Option<String>,
    #[pay(rename = "subOpenId")] pub sub_openid: String,
    #[pay(no_sign)]           pub extra: Option<String>,
}

#[derive(Debug, Clone, PayRequest)]
#[pay(format = "form", sign = "md5-concat", constant(pay_method = 200))]
pub struct Concat {
    #[pay(path)] pub aid: String,
    #[pay(sign = 2)] pub price: Yuan,
    #[pay(sign = 1)] pub name: String,
    pub more: Option<String>,
}

fn main() {
    let key = Secret::new("192006250b4c09247ec02edce69f6a2d");
    let req = Illustration {
        version: None,
        out_trade_no: "1".into(),
        description: "d".into(),
        total_fee: Fen::new(1),
        pay_method: 200,
        pay_type: "1".into(),
        openid: Some("o".into()),
        sub_openid: "s".into(),
        extra: None,
    };
    req.validate().unwrap();
    let _s: String = req.sign_string(&key);
    let _sig: String = req.signature(&key);
    let body = req.to_body(&key).unwrap();
    let _bytes: &[u8] = body.as_bytes();
    let _ct: &str = body.content_type();
    let table = <Illustration as paywire::PayRequest>::SCHEMA;
    assert_eq!(table.fields.len(), 9);
    let concat = Concat { aid: "a".into(), price: Yuan(Fen::new(1)), name: "n".into(), more: None };
    assert_eq!(concat.sign_string_redacted(), "n0.01***");
}
