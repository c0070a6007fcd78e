//! `application/x-www-form-urlencoded` bodies: UTF-8, percent-encoded, space as `+`.

use super::{not_flat, BodyWriter};
use crate::schema::Format;
use crate::wire::Wire;

impl BodyWriter {
    /// `name=value`, joined with `&`; `prefix` is `name=`, built at compile time (wire
    /// names are letters, digits, `_`, `-` and `.`, which form encoding leaves as they are).
    #[inline]
    pub fn form_text(&mut self, prefix: &'static str, text: &str) {
        if !self.out.is_empty() {
            self.out.push(b'&');
        }
        self.out.extend_from_slice(prefix.as_bytes());
        for piece in form_urlencoded::byte_serialize(text.as_bytes()) {
            self.out.extend_from_slice(piece.as_bytes());
        }
    }

    /// [`BodyWriter::form_text`] for a value that is not a plain string: numbers and JSON
    /// text are written as text; nested objects and arrays cannot be, and are reported.
    #[inline(never)]
    pub fn form_wire(&mut self, prefix: &'static str, value: &Wire<'_>) {
        if matches!(value, Wire::Object(_) | Wire::Array(_)) {
            self.fail(not_flat(prefix.trim_end_matches('='), Format::Form));
            return;
        }
        value.with_text(|text| self.form_text(prefix, text));
    }
}
