//! The exported JSON Schema, checked by independent validators (the `jsonschema` crate,
//! and Python's `jsonschema`): every shipped sample passes it, and orders that break a
//! declared rule fail it as they fail paywire's validation.

use paywire::json_schema::json_schema;
use paywire::schema::Schema;
use paywire::PayRequest;
use paywire_providers::{feat, swiftpass, wechat_global, weidoufu, xorpay};
use serde_json::{json, Value};

fn validator(schema: &'static Schema) -> jsonschema::Validator {
    jsonschema::draft202012::new(&json_schema(schema)).expect("a valid JSON Schema")
}

/// A request's JSON form, keyed by wire names, as serde writes it.
fn json_form<T: PayRequest + serde::Serialize>(request: &T) -> Value {
    serde_json::to_value(request).unwrap()
}

/// Every shipped sample, with its schema.
fn sample_cases() -> Vec<(&'static Schema, Value)> {
    vec![
        (
            feat::OrderPay::SCHEMA,
            json_form(&paywire_providers::feat::sample()),
        ),
        (
            weidoufu::MiniappPay::SCHEMA,
            json_form(&paywire_providers::weidoufu::sample()),
        ),
        (
            swiftpass::WapPay::SCHEMA,
            json_form(&paywire_providers::swiftpass::sample()),
        ),
        (
            swiftpass::WapPayRsa::SCHEMA,
            json_form(&paywire_providers::swiftpass::sample_rsa()),
        ),
        (
            wechat_global::JsapiOrder::SCHEMA,
            json_form(&paywire_providers::wechat_global::sample_direct()),
        ),
        (
            xorpay::JsapiPay::SCHEMA,
            json_form(&paywire_providers::xorpay::sample()),
        ),
    ]
}

#[test]
fn every_sample_passes_its_schema() {
    let cases = sample_cases();
    for (schema, value) in cases {
        let errors: Vec<String> = validator(schema)
            .iter_errors(&value)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{}: {errors:?}\n{value}", schema.name);
    }
}

/// A change to an order's JSON form.
type Mutation = Box<dyn Fn(&mut Value)>;

/// Changes to SwiftPass's sample, each breaking one declared rule.
fn mutations() -> Vec<(&'static str, Mutation)> {
    vec![
        (
            "required member missing",
            Box::new(|v| {
                v.as_object_mut().unwrap().remove("out_trade_no");
            }),
        ),
        (
            "required member empty",
            Box::new(|v| v["nonce_str"] = json!("")),
        ),
        ("one_of", Box::new(|v| v["charset"] = json!("GBK"))),
        ("too long", Box::new(|v| v["body"] = json!("x".repeat(129)))),
        ("range", Box::new(|v| v["total_fee"] = json!(0))),
        (
            "compact_time",
            Box::new(|v| v["time_start"] = json!("2024-03-01 12:00")),
        ),
        ("undeclared member", Box::new(|v| v["extra"] = json!("1"))),
        (
            "wrong constant",
            Box::new(|v| v["service"] = json!("pay.weixin.native")),
        ),
        ("a float amount", Box::new(|v| v["total_fee"] = json!(1.5))),
        (
            "a negative amount",
            Box::new(|v| v["total_fee"] = json!(-1)),
        ),
        (
            "a text amount",
            Box::new(|v| v["total_fee"] = json!("9.90")),
        ),
        ("a number for text", Box::new(|v| v["body"] = json!(5))),
    ]
}

/// Each mutation breaks one declared rule: the independent validator refuses it, and so
/// does paywire (the schema says nothing paywire does not).
#[test]
fn orders_breaking_a_rule_fail_the_schema_and_paywire_alike() {
    let base = json_form(&paywire_providers::swiftpass::sample());
    let schema = validator(swiftpass::WapPay::SCHEMA);
    let mutations = mutations();
    for (what, mutate) in mutations {
        let mut value = base.clone();
        mutate(&mut value);
        assert!(
            !schema.is_valid(&value),
            "{what}: the schema accepted {value}"
        );
        let paywire_refuses = match serde_json::from_value::<swiftpass::WapPay>(value.clone()) {
            Ok(order) => order.validate().is_err(),
            Err(_) => true,
        };
        assert!(paywire_refuses, "{what}: paywire accepted {value}");
    }
    // required_if as if/then: XorPay's openid is required for pay_type jsapi.
    let xorpay = validator(xorpay::JsapiPay::SCHEMA);
    let mut order = json_form(&paywire_providers::xorpay::sample());
    assert!(xorpay.is_valid(&order));
    order.as_object_mut().unwrap().remove("openid");
    assert!(!xorpay.is_valid(&order));
    // Nested objects are closed and checked too (WeChat's amount).
    let wechat = validator(wechat_global::JsapiOrder::SCHEMA);
    let mut order = json_form(&paywire_providers::wechat_global::sample_direct());
    order["amount"]["total"] = json!(0);
    assert!(!wechat.is_valid(&order));
    let mut order = json_form(&paywire_providers::wechat_global::sample_direct());
    order["amount"]["extra"] = json!(1);
    assert!(!wechat.is_valid(&order));
}

/// The same cases through Python's `jsonschema`, a third implementation: every sample
/// valid, every rule-breaking mutation invalid. Where python3 or the package is missing
/// the test says so and passes, except under CI (`.ci/run` installs it).
#[test]
fn python_jsonschema_agrees_on_every_case() {
    let available = std::process::Command::new("python3")
        .args(["-c", "import jsonschema"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !available {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install jsonschema (see .ci/run)"
        );
        eprintln!("skipped: python3 with the jsonschema package is not installed");
        return;
    }
    let mut cases = Vec::new();
    let mut expected = Vec::new();
    for (schema, value) in sample_cases() {
        cases.push(json!({"schema": json_schema(schema), "instance": value}));
        expected.push(true);
    }
    let base = json_form(&paywire_providers::swiftpass::sample());
    let swiftpass = json_schema(swiftpass::WapPay::SCHEMA);
    for (_, mutate) in mutations() {
        let mut value = base.clone();
        mutate(&mut value);
        cases.push(json!({"schema": swiftpass, "instance": value}));
        expected.push(false);
    }
    let file =
        std::env::temp_dir().join(format!("paywire-json-schema-{}.json", std::process::id()));
    std::fs::write(&file, serde_json::to_vec(&cases).unwrap()).unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/json_schema_check.py");
    let output = std::process::Command::new("python3")
        .arg(script)
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let results: Vec<bool> = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(results, expected);
}
