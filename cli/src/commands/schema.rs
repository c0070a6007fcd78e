//! `paywire schema ENDPOINT [--format markdown|json|json-schema]`.

use super::Endpoint;
use paywire::schema::Schema;
use paywire::schema_table;
use paywire::PayRequest;
use paywire_providers::{feat, swiftpass, wechat_global, weidoufu, xorpay};

/// The schema of an endpoint.
pub fn schema_of(endpoint: Endpoint) -> &'static Schema {
    match endpoint {
        Endpoint::FeatPay => feat::OrderPay::SCHEMA,
        Endpoint::WeidoufuMiniapp => weidoufu::MiniappPay::SCHEMA,
        Endpoint::SwiftpassWap => swiftpass::WapPay::SCHEMA,
        Endpoint::SwiftpassWapRsa => swiftpass::WapPayRsa::SCHEMA,
        Endpoint::WechatGlobalJsapi => wechat_global::JsapiOrder::SCHEMA,
        Endpoint::XorpayJsapi => xorpay::JsapiPay::SCHEMA,
    }
}

/// The table as markdown, JSON, or a JSON Schema of the request's JSON form.
pub fn render(endpoint: Endpoint, format: &str) -> Result<String, String> {
    let schema = schema_of(endpoint);
    match format {
        "markdown" | "md" => Ok(schema_table::markdown(schema)),
        "json" => {
            serde_json::to_string_pretty(&schema_table::json(schema)).map_err(|e| e.to_string())
        }
        "json-schema" => serde_json::to_string_pretty(&paywire::json_schema::json_schema(schema))
            .map_err(|e| e.to_string()),
        other => Err(format!(
            "unknown format {other:?}; use markdown, json or json-schema"
        )),
    }
}
