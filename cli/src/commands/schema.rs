//! `paywire schema ENDPOINT [--format markdown|json|json-schema]`.

use paywire::schema::Schema;
use paywire::schema_table;

/// The table as markdown, JSON, or a JSON Schema of the request's JSON form.
pub fn render(schema: &'static Schema, format: &str) -> Result<String, String> {
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
