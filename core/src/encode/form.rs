//! `application/x-www-form-urlencoded` bodies: UTF-8, percent-encoded, space as `+`.

use super::{not_flat, BodyWriter};
use crate::schema::Format;
use crate::value::Wire;
use crate::words::{alphanumeric, any_byte};

/// Whether form encoding writes a byte as it is: ASCII letters and digits, `*`, `-`,
/// `.` and `_` (the WHATWG `application/x-www-form-urlencoded` serializer, which
/// `form_urlencoded` follows), as comparisons the compiler can make sixteen at a time.
#[inline(always)]
fn form_keeps(b: u8) -> bool {
    alphanumeric(b) | (b == b'*') | (b == b'-') | (b == b'.') | (b == b'_')
}

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
            // Most values (ids, amounts, trade types) are all bytes form encoding leaves
            // as they are: copied whole. The rest go through `form_urlencoded`.
            if !any_byte(text.as_bytes(), |b| !form_keeps(b)) {
                out.extend_from_slice(text.as_bytes());
                return;
            }
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

#[cfg(test)]
mod tests {
    use super::form_keeps;
    use crate::encode::BodyWriter;
    use crate::schema::Format;

    #[test]
    fn the_bytes_written_as_they_are_are_the_ones_form_urlencoded_leaves() {
        for b in 0..=127u8 {
            let text = char::from(b).to_string();
            let encoded: String = form_urlencoded::byte_serialize(text.as_bytes()).collect();
            assert_eq!(form_keeps(b), encoded == text, "byte {b:#x}");
        }
        for b in 128..=255u8 {
            assert!(!form_keeps(b), "byte {b:#x}");
        }
    }

    #[test]
    fn values_are_written_as_form_urlencoded_writes_them_in_every_position() {
        let odd = [
            '+', ' ', '&', '=', '%', '/', ':', '~', '\u{0}', '中', '*', '_',
        ];
        for len in 0..40 {
            for position in 0..len.max(1) {
                for c in odd {
                    let mut text: Vec<char> = "a".repeat(len).chars().collect();
                    if len > 0 {
                        text[position] = c;
                    }
                    let text: String = text.into_iter().collect();
                    let mut body = BodyWriter::new(Format::Form);
                    let at = body.form_text(body.written(), b"v=", &text);
                    body.set_written(at);
                    let written = body.finish().unwrap();
                    let expected: String =
                        form_urlencoded::byte_serialize(text.as_bytes()).collect();
                    assert_eq!(written.as_str(), format!("v={expected}"), "{text:?}");
                }
            }
        }
    }
}
