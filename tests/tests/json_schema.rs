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
        (
            "three octets for an IP",
            Box::new(|v| v["mch_create_ip"] = json!("14.23.150")),
        ),
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

/// Whether python3 with `jsonschema` is here; where not, a test says so and passes,
/// except under CI (`.ci/run` installs it).
fn python_jsonschema_installed() -> bool {
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
    }
    available
}

/// Python's `jsonschema` verdict on each `{"schema", "instance"}` case
/// (`fixtures/json_schema_check.py`); `tag` names the temporary file.
fn python_jsonschema(cases: &[Value], tag: &str) -> Vec<bool> {
    let file = std::env::temp_dir().join(format!(
        "paywire-json-schema-{tag}-{}.json",
        std::process::id()
    ));
    std::fs::write(&file, serde_json::to_vec(cases).unwrap()).unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/json_schema_check.py");
    let output = std::process::Command::new("python3")
        .arg(script)
        .arg(&file)
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&file);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// The same cases through Python's `jsonschema`, a third implementation: every sample
/// valid, every rule-breaking mutation invalid. Where python3 or the package is missing
/// the test says so and passes, except under CI (`.ci/run` installs it).
#[test]
fn python_jsonschema_agrees_on_every_case() {
    if !python_jsonschema_installed() {
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
    let results = python_jsonschema(&cases, "cases");
    assert_eq!(results, expected);
}

/// IP addresses near and far from valid: dotted quads from near-miss octets, IPv6 forms
/// built from groups of every width with `::` in every place and IPv4 tails, and the
/// usual traps. Deterministic.
fn ip_candidates() -> Vec<String> {
    let octets = [
        "0", "00", "01", "9", "10", "99", "100", "199", "249", "255", "256", "300", "1000", "", "a",
    ];
    let mut out = vec![
        "14.23.150".to_owned(),
        "14.23.150.211".to_owned(),
        "::".to_owned(),
        "::1".to_owned(),
        ":::".to_owned(),
        "1::2::3".to_owned(),
        "::ffff:1.2.3.4".to_owned(),
        "::ffff:1.2.3.256".to_owned(),
        "1:2:3:4:5:6:7::".to_owned(),
        "::1:2:3:4:5:6:7".to_owned(),
        "1:2:3:4:5:6:7:8:9".to_owned(),
        "1:2:3:4:5:6:1.2.3.4".to_owned(),
        "1:2:3:4:5:6:7:1.2.3.4".to_owned(),
        "1:2:3:4:5::1.2.3.4".to_owned(),
        "1:2:3:4:5:6::1.2.3.4".to_owned(),
        "fe80::1%eth0".to_owned(),
        "[::1]".to_owned(),
        " 1.2.3.4".to_owned(),
        "1.2.3.4\n".to_owned(),
    ];
    for a in octets {
        for b in ["0", "255", "01"] {
            out.push(format!("{a}.{b}.{a}.{b}"));
            out.push(format!("{b}.{a}.{b}"));
        }
    }
    let groups = ["0", "1", "ab", "fff", "FFFF", "0000", "12345", "g", ""];
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = |n: usize| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) as usize % n
    };
    for _ in 0..4000 {
        let count = 1 + next(9);
        let mut parts: Vec<String> = (0..count)
            .map(|_| groups[next(groups.len())].to_owned())
            .collect();
        if next(3) == 0 {
            let last = parts.len() - 1;
            parts[last] = format!(
                "{}.{}.{}.{}",
                octets[next(10)],
                octets[next(10)],
                octets[next(10)],
                octets[next(10)]
            );
        }
        let mut text = parts.join(":");
        if next(2) == 0 {
            let at = next(text.len() + 1);
            if text.is_char_boundary(at) {
                text.insert_str(at, "::");
            }
        }
        out.push(text);
    }
    out
}

/// The JSON Schema's `ip` pattern gives `#[pay(ip)]`'s answer (the standard library's
/// reading) on every candidate, under Python's `jsonschema` (its own regex engine): in
/// particular `14.23.150`, which a front end used to accept, is refused.
#[test]
fn the_ip_pattern_agrees_with_the_ip_rule_under_python_jsonschema() {
    if !python_jsonschema_installed() {
        return;
    }
    let schema = json_schema(swiftpass::WapPay::SCHEMA);
    // The pattern alone: the field's own length bound is another rule.
    let pattern = schema["properties"]["mch_create_ip"]["pattern"].clone();
    assert!(pattern.is_string(), "{schema}");
    let ip = json!({"type": "string", "pattern": pattern});
    let candidates = ip_candidates();
    let expected: Vec<bool> = candidates
        .iter()
        .map(|c| paywire::rules::matches(paywire::schema::TextFormat::Ip, c))
        .collect();
    assert!(
        expected.iter().filter(|v| **v).count() > 100,
        "the corpus holds valid addresses"
    );
    let cases: Vec<Value> = candidates
        .iter()
        .map(|c| json!({"schema": ip, "instance": c}))
        .collect();
    let results = python_jsonschema(&cases, "ip");
    let disagreements: Vec<(&String, bool)> = candidates
        .iter()
        .zip(results.iter().zip(&expected))
        .filter(|(_, (got, want))| got != want)
        .map(|(c, (got, _))| (c, *got))
        .collect();
    assert!(
        disagreements.is_empty(),
        "pattern disagrees with the rule: {disagreements:?}"
    );
    assert!(!results[0], "14.23.150 is refused");
}
