//! `paywire verify KIND`: runs a registry entry's verifier over raw bytes (and headers),
//! prints `{"valid", "reason", "fields"}`; exit 0 valid, 1 not authentic / stale, 2
//! malformed or hostile input, 3 authentic but an error answer (`"error_answer": true`:
//! the gateway refused the request).

pub use paywire_providers::registry::{usage, Outcome, VerifyOptions};

/// `--header 'Name: value'` lines as a header map.
pub fn headers(lines: &[String]) -> Result<http::HeaderMap, String> {
    let mut map = http::HeaderMap::new();
    for line in lines {
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| format!("--header {line:?}: write 'Name: value'"))?;
        let name = http::HeaderName::from_bytes(name.trim().as_bytes())
            .map_err(|e| format!("--header {line:?}: {e}"))?;
        let value = http::HeaderValue::from_str(value.trim())
            .map_err(|e| format!("--header {line:?}: {e}"))?;
        map.append(name, value);
    }
    Ok(map)
}
