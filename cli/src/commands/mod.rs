//! The subcommands other than `demo`, over any gateway: each looks its endpoint or
//! message kind up in `paywire_providers::GATEWAYS` and runs what the gateway registered
//! there.

pub mod call;
pub mod schema;
pub mod sign;
pub mod usage;
pub mod verify;

use std::io::Read;

/// Reads `--input FILE` (or `-` / nothing for standard input).
pub fn read_input(input: Option<&str>) -> Result<Vec<u8>, String> {
    match input {
        None | Some("-") => {
            let mut buf = Vec::new();
            std::io::stdin()
                .read_to_end(&mut buf)
                .map_err(|e| format!("reading standard input: {e}"))?;
            Ok(buf)
        }
        Some(path) => std::fs::read(path).map_err(|e| format!("reading {path}: {e}")),
    }
}

/// A file's text, for PEM options.
pub fn read_text(path: &str) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("reading {path}: {e}"))
}

/// Where a secret comes from: `--NAME VALUE` (visible to `ps`), `--NAME-file PATH` (its
/// first line) or `--NAME-env VAR`. At most one may be given; a value starting with `@`
/// is refused, since other tools read that as a file name and signing with the literal
/// text would fail at the gateway for no visible reason.
#[derive(Debug, Clone, Default)]
pub struct SecretSource {
    /// The value itself.
    pub value: Option<String>,
    /// A file whose first line is the value.
    pub file: Option<String>,
    /// An environment variable holding the value.
    pub env: Option<String>,
}

impl SecretSource {
    /// The three options of one secret.
    pub fn new(value: Option<String>, file: Option<String>, env: Option<String>) -> Self {
        SecretSource { value, file, env }
    }

    /// The secret, if one was given; `name` is the option's name (`key`, `token`).
    pub fn resolve(&self, name: &str) -> Result<Option<String>, String> {
        let given = [&self.value, &self.file, &self.env]
            .iter()
            .filter(|o| o.is_some())
            .count();
        if given > 1 {
            return Err(format!(
                "give one of --{name}, --{name}-file or --{name}-env, not several"
            ));
        }
        if let Some(value) = &self.value {
            if value.starts_with('@') {
                return Err(format!(
                    "--{name} starts with '@': to read it from a file, write --{name}-file PATH"
                ));
            }
            eprintln!(
                "paywire: --{name} on the command line is visible to other users (ps); prefer --{name}-file or --{name}-env"
            );
            return Ok(Some(value.clone()));
        }
        if let Some(path) = &self.file {
            let text =
                std::fs::read_to_string(path).map_err(|e| format!("--{name}-file {path}: {e}"))?;
            let line = text.lines().next().unwrap_or_default();
            if line.is_empty() {
                return Err(format!(
                    "--{name}-file {path}: the file's first line is empty"
                ));
            }
            return Ok(Some(line.to_owned()));
        }
        if let Some(var) = &self.env {
            return match std::env::var(var) {
                Ok(value) if !value.is_empty() => Ok(Some(value)),
                _ => Err(format!("--{name}-env {var}: the variable is not set")),
            };
        }
        Ok(None)
    }
}
