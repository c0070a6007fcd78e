//! Flat `<xml>` bodies. Text is escaped (`&`, `<`, `>`, and `\r` as `&#13;` so a parser's
//! line-ending normalisation cannot change it), so `]]>`, `<` and `&` in a value stay
//! text and can never open or close an element.

use super::{not_flat, BodyWriter};
use crate::error::Error;
use crate::schema::Format;
use crate::wire::Wire;
use crate::words::{any_word, bytes_below, bytes_equal, HIGHS, ONES};

/// Bytes that need a look: markup (`&`, `<`, `>`), C0 controls (`\r` is written as a
/// reference; other controls but tab and LF are refused), and `0xEF`, which starts
/// U+FFFE / U+FFFF. Everything else is copied as it is.
const ATTENTION: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = b != b'\t' as usize && b != b'\n' as usize;
        b += 1;
    }
    table[b'&' as usize] = true;
    table[b'<' as usize] = true;
    table[b'>' as usize] = true;
    table[0xef] = true;
    table
};

/// Whether any of the eight bytes needs a look (the [`ATTENTION`] set), tested at once.
#[inline(always)]
fn needs_attention(word: u64) -> bool {
    // `<` (0x3c) and `>` (0x3e) differ in bit 1 only; no other byte maps to 0x3e.
    let hits = bytes_below(word, 0x20)
        | bytes_equal(word, b'&')
        | bytes_equal(word | (ONES * 0x02), b'>')
        | bytes_equal(word, 0xef);
    hits & HIGHS != 0
}

/// Escapes `text` into `out`; `false` if `text` holds a character XML 1.0 cannot carry
/// (C0 controls other than tab, LF and CR; U+FFFE and U+FFFF), leaving `out` as it was.
fn escape_into(out: &mut Vec<u8>, text: &str) -> bool {
    let bytes = text.as_bytes();
    let mark = out.len();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        // Skip eight clean bytes at a time.
        if let Some(word) = bytes.get(i..i + 8) {
            let mut eight = [0u8; 8];
            eight.copy_from_slice(word);
            if !needs_attention(u64::from_le_bytes(eight)) {
                i += 8;
                continue;
            }
        }
        let b = bytes[i];
        if !ATTENTION[usize::from(b)] {
            i += 1;
            continue;
        }
        let replacement: &[u8] = match b {
            b'&' => b"&amp;",
            b'<' => b"&lt;",
            b'>' => b"&gt;",
            b'\r' => b"&#13;",
            0xef if !matches!(bytes.get(i + 1..i + 3), Some([0xbf, 0xbe | 0xbf])) => {
                i += 1;
                continue;
            }
            _ => {
                out.truncate(mark);
                return false;
            }
        };
        out.extend_from_slice(&bytes[start..i]);
        out.extend_from_slice(replacement);
        i += 1;
        start = i;
    }
    out.extend_from_slice(&bytes[start..]);
    true
}

/// Whether `bytes` can be copied as they are: no byte of the [`ATTENTION`] set (tab and
/// LF also send a value down the careful path, which copies them).
fn is_clean(bytes: &[u8]) -> bool {
    !any_word(bytes, needs_attention)
}

impl BodyWriter {
    /// `<name>text</name>`; `open` and `close` are the tags, built at compile time.
    #[inline]
    pub fn xml_text(&mut self, open: &'static str, close: &'static str, text: &str) {
        self.out.reserve(open.len() + text.len() + close.len());
        self.out.extend_from_slice(open.as_bytes());
        if is_clean(text.as_bytes()) {
            self.out.extend_from_slice(text.as_bytes());
        } else {
            self.xml_escaped(open, text);
        }
        self.out.extend_from_slice(close.as_bytes());
    }

    /// `<name>text</name>` for text that cannot hold markup, known when the code is
    /// generated: a constant without `&`, `<`, `>` or control characters, the hex
    /// signature, or a value that has passed a rule admitting only such text (`one_of`
    /// with clean values, `ip`, `compact_time`, `rfc3339`, `alphanumeric`). Bodies are
    /// written only after validation has passed.
    #[inline]
    pub fn xml_trusted(&mut self, open: &'static str, close: &'static str, text: &str) {
        self.out.reserve(open.len() + text.len() + close.len());
        self.out.extend_from_slice(open.as_bytes());
        self.out.extend_from_slice(text.as_bytes());
        self.out.extend_from_slice(close.as_bytes());
    }

    #[inline(never)]
    fn xml_escaped(&mut self, open: &'static str, text: &str) {
        if !escape_into(&mut self.out, text) {
            self.fail(Error::Unencodable {
                path: crate::Path::Root.key(tag_name(open)).to_string(),
                format: "xml",
                reason: "contains a control character that XML 1.0 cannot carry; remove it",
            });
        }
    }

    /// [`BodyWriter::xml_text`] for a value that is not a plain string: numbers and JSON
    /// text are written as text; nested objects and arrays cannot be, and are reported.
    #[inline(never)]
    pub fn xml_wire(&mut self, open: &'static str, close: &'static str, value: &Wire<'_>) {
        if matches!(value, Wire::Object(_) | Wire::Array(_)) {
            self.fail(not_flat(tag_name(open), Format::Xml));
            return;
        }
        match value {
            // Digits (and a point) need no escaping.
            Wire::Int(_) | Wire::UInt(_) | Wire::Yuan(_) => {
                value.with_text(|text| self.xml_trusted(open, close, text));
            }
            _ => {
                value.with_text(|text| self.xml_text(open, close, text));
            }
        }
    }
}

/// `name` of `<name>`.
fn tag_name(open: &str) -> &str {
    open.trim_start_matches('<').trim_end_matches('>')
}

#[cfg(test)]
mod tests {
    use super::{is_clean, needs_attention, ATTENTION};

    #[test]
    fn is_clean_sees_every_byte_of_every_length() {
        for len in 0..48 {
            assert!(is_clean(&vec![b'a'; len]), "clean, length {len}");
            for position in 0..len {
                for bad in [b'&', b'<', b'>', b'\r', 0x01, 0xef] {
                    let mut value = vec![b'a'; len];
                    value[position] = bad;
                    assert!(!is_clean(&value), "{bad:#x} at {position} of {len}");
                }
            }
        }
    }

    #[test]
    fn the_word_test_agrees_with_the_byte_table_for_every_byte_in_every_position() {
        for b in 0..=255u8 {
            for position in 0..8 {
                let mut word = [b'a'; 8];
                word[position] = b;
                // Never misses a byte that needs a look; flags nothing else but tab and LF
                // (below 0x20, handled by the byte path at a small cost).
                let expected = ATTENTION[usize::from(b)] || b == b'\t' || b == b'\n';
                assert_eq!(
                    needs_attention(u64::from_le_bytes(word)),
                    expected,
                    "byte {b:#x} at {position}"
                );
            }
        }
        assert!(
            !needs_attention(u64::from_le_bytes(*b"\xe4\xb8\xad\xe6\x96\x87ab")),
            "CJK is clean"
        );
    }
}
