//! [`Body`]: an encoded request body and its content type.

/// An encoded, signed request body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Body {
    bytes: Vec<u8>,
    content_type: &'static str,
}

impl Body {
    pub(crate) fn new(bytes: Vec<u8>, content_type: &'static str) -> Self {
        Body {
            bytes,
            content_type,
        }
    }

    /// A form-encoded body already encoded.
    pub fn form(bytes: Vec<u8>) -> Self {
        Body::new(bytes, crate::schema::Format::Form.content_type())
    }

    /// The bytes to send.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The body as text (every format paywire writes is UTF-8).
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.bytes).unwrap_or_default()
    }

    /// The `Content-Type` header value.
    pub fn content_type(&self) -> &str {
        self.content_type
    }

    /// The bytes, owned.
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }
}
