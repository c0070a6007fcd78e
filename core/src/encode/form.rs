//! `application/x-www-form-urlencoded` bodies: UTF-8, percent-encoded, space as `+`.

use super::{not_flat, BodyWriter};
use crate::schema::Format;
use crate::value::Wire;

impl BodyWriter {
    /// `name=value` after the first `at` bytes, joined with `&`; `prefix` is `name=`,
    /// built at compile time (wire names are letters, digits, `_`, `-` and `.`, which form
    /// encoding leaves as they are). Returns the new length.
    #[inline]
    pub fn form_text(&mut self, at: usize, prefix: &[u8], text: &str) -> usize {
        let (at, ()) = self.push_with(at, |out| {
            if !out.is_empty() {
                out.push(b'&');
            }
            out.extend_from_slice(prefix);
            for piece in form_urlencoded::byte_serialize(text.as_bytes()) {
                out.extend_from_slice(piece.as_bytes());
            }
        });
        at
    }

    /// [`BodyWriter::form_text`] for a value that is not a plain string: numbers and JSON
    /// text are written as text; nested objects and arrays cannot be, and are reported.
    #[inline(never)]
    pub fn form_wire(&mut self, at: usize, prefix: &[u8], value: &Wire<'_>) -> usize {
        if matches!(value, Wire::Object(_) | Wire::Array(_)) {
            let name = std::str::from_utf8(prefix).unwrap_or_default();
            self.fail(not_flat(name.trim_end_matches('='), Format::Form));
            return at;
        }
        value
            .with_text(|text| self.form_text(at, prefix, text))
            .unwrap_or(at)
    }
}
