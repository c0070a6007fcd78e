//! [`Secret`]: a signing key that never prints.

use std::fmt;
use zeroize::Zeroizing;

/// A merchant signing key (`key`, `secret_key`, `app_secret`).
///
/// `Debug` and `Display` print `***`; the memory is zeroized on drop. The only way to
/// the bytes is [`Secret::expose`], so a secret reaching a log line is a visible choice.
///
/// ```
/// let key = paywire::Secret::new("192006250b4c09247ec02edce69f6a2d");
/// assert_eq!(format!("{key:?} {key}"), "Secret(***) ***");
/// ```
#[derive(Clone)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    /// Wraps a key.
    pub fn new(key: impl Into<String>) -> Self {
        Secret(Zeroizing::new(key.into()))
    }

    /// The key itself, for the digest.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Self {
        Secret::new(s)
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Self {
        Secret::new(s)
    }
}
