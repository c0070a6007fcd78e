//! A derived type writes its JSON members straight-line (`FieldAccess::__write_json_members`,
//! emitted by the derive); a `FieldAccess` written by hand has the JSON writer walk its
//! schema instead. The two must write the same text for the same schema and values, or a
//! view written by hand would sign and send something else than the type it shows. Here a
//! view that shows a derived value through its schema, without the emitted writer, is
//! written beside the value itself, for requests of every shipped gateway and for a
//! declaration with constants, renamed, absent, path and amount members.

use paywire::schema::Schema;
use paywire::{Fen, FieldAccess, PayObject, PayRequest, Wire, Yuan};
use paywire_providers::{feat, swiftpass, wechat_global, weidoufu, xorpay};

/// A derived value seen through its schema only: the JSON writer walks it.
struct Walked<'a>(&'a dyn FieldAccess);

impl FieldAccess for Walked<'_> {
    fn object_schema(&self) -> &'static Schema {
        self.0.object_schema()
    }

    fn field(&self, index: usize) -> Wire<'_> {
        self.0.field(index)
    }
}

/// The JSON text of `object` as a nested value is written.
fn json(object: &dyn FieldAccess) -> String {
    Wire::Object(object)
        .with_text(str::to_owned)
        .expect("an object has text")
}

fn assert_same_json(object: &dyn FieldAccess) {
    let emitted = json(object);
    let walked = json(&Walked(object));
    assert_eq!(walked, emitted, "{}", object.object_schema().name);
    // Both are JSON that serde_json reads back to the same members.
    let value: serde_json::Value = serde_json::from_str(&emitted).expect("valid JSON");
    assert!(value.is_object(), "{emitted}");
}

#[derive(Debug, Clone, PayObject)]
struct Detail {
    #[pay(rename = "goods_id")]
    id: String,
    price: Fen,
}

#[derive(Debug, Clone, PayRequest)]
#[pay(
    format = "json",
    sign = "md5-sorted",
    constant(version = "2.0"),
    constant(channel = 7)
)]
struct Everything {
    #[pay(path)]
    mch_id: String,
    #[pay(rename = "outTradeNo")]
    out_trade_no: String,
    total: Fen,
    shown: Yuan,
    attach: Option<String>,
    note: Option<String>,
    detail: Detail,
    details: Vec<Detail>,
    quoted: String,
}

#[test]
fn the_schema_walk_writes_what_each_derived_writer_writes() {
    assert_same_json(&swiftpass::sample());
    assert_same_json(&xorpay::sample());
    assert_same_json(&weidoufu::sample());
    assert_same_json(&feat::sample());
    assert_same_json(&wechat_global::sample_direct());
    assert_same_json(&wechat_global::sample_institution());
    let everything = Everything {
        mch_id: "1900000109".into(),
        out_trade_no: "T-1".into(),
        total: Fen::new(1999),
        shown: Yuan::from(Fen::new(5)),
        attach: Some(String::new()),
        note: None,
        detail: Detail {
            id: "G1".into(),
            price: Fen::new(1),
        },
        details: vec![
            Detail {
                id: "G2".into(),
                price: Fen::new(2),
            },
            Detail {
                id: "中\"文\\\n".into(),
                price: Fen::new(3),
            },
        ],
        quoted: "a \"quote\", a \\ and a \u{1} control".into(),
    };
    assert_same_json(&everything);
    let written = json(&everything);
    assert!(
        !written.contains("mch_id"),
        "a path member is not in the body: {written}"
    );
    assert!(
        !written.contains("note"),
        "an absent member is left out: {written}"
    );
    assert!(
        written.starts_with(r#"{"version":"2.0","channel":7,"#),
        "{written}"
    );
}
