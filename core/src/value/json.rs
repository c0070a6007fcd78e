//! JSON bodies, nested objects and arrays included.

use super::for_each_member;
use crate::value::FieldAccess;
use crate::value::{Wire, YuanBuf};
use crate::words::{any_word, bytes_below, bytes_equal, HIGHS};

// The text form of any value lives beside the JSON writer it uses for nested values.
impl Wire<'_> {
    /// Calls `f` with the value's text form (`None` when absent). Scalars are formatted
    /// on the stack; nested objects and arrays become compact JSON.
    pub fn with_text<R>(&self, f: impl FnOnce(&str) -> R) -> Option<R> {
        match self {
            Wire::Absent => None,
            Wire::Str(s) => Some(f(s)),
            Wire::JsonText(j) => Some(f(&j.text())),
            Wire::Int(i) => Some(f(itoa::Buffer::new().format(*i))),
            Wire::UInt(u) => Some(f(itoa::Buffer::new().format(*u))),
            Wire::Yuan(fen) => {
                let mut buf = YuanBuf::new();
                Some(f(buf.format(*fen)))
            }
            Wire::Object(_) | Wire::Array(_) => {
                let mut out = Vec::new();
                write_value(&mut out, self);
                Some(f(std::str::from_utf8(&out).unwrap_or_default()))
            }
        }
    }
}

/// High bits where a byte must be escaped in a JSON string: `"`, `\\` and controls.
#[inline(always)]
fn needs_escape(word: u64) -> u64 {
    bytes_below(word, 0x20) | bytes_equal(word, b'"') | bytes_equal(word, b'\\')
}

/// Whether `s` holds `"`, `\\` or a control character, which a JSON string escapes.
#[inline(always)]
fn needs_escaping(s: &str) -> bool {
    any_word(s.as_bytes(), |w| needs_escape(w) & HIGHS != 0)
}

/// `s` as a JSON string. Text without `"`, `\\` or control characters (nearly all of
/// it) is copied whole between its quotes, exactly as serde_json writes it; anything
/// else is escaped by serde_json.
pub(crate) fn write_str(out: &mut Vec<u8>, s: &str) {
    if needs_escaping(s) {
        // Writing a &str into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut *out, s);
    } else {
        out.reserve(s.len() + 2);
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
    }
}

/// Writes one value as JSON.
pub(crate) fn write_value(out: &mut Vec<u8>, value: &Wire<'_>) {
    match value {
        Wire::Absent => out.extend_from_slice(b"null"),
        Wire::Str(s) => write_str(out, s),
        Wire::JsonText(j) => write_str(out, &j.text()),
        Wire::Int(i) => out.extend_from_slice(itoa::Buffer::new().format(*i).as_bytes()),
        Wire::UInt(u) => out.extend_from_slice(itoa::Buffer::new().format(*u).as_bytes()),
        Wire::Yuan(fen) => write_str(out, YuanBuf::new().format(*fen)),
        Wire::Object(o) => write_object(out, *o, None),
        Wire::Array(items) => {
            out.push(b'[');
            for i in 0..items.len() {
                if i > 0 {
                    out.push(b',');
                }
                write_value(out, &items.get(i));
            }
            out.push(b']');
        }
    }
}

/// Writes `object` as a JSON object, with the signature member last when given.
pub(crate) fn write_object(
    out: &mut Vec<u8>,
    object: &dyn FieldAccess,
    sign: Option<(&str, &str)>,
) {
    // Every member is written as `,"name":value`; the first comma becomes `{`.
    let start = out.len();
    if !object.__write_json_members(out) {
        let _ = for_each_member::<()>(object, |name, value| {
            out.push(b',');
            write_str(out, name);
            out.push(b':');
            write_value(out, &value);
            Ok(())
        });
    }
    if let Some((name, signature)) = sign {
        out.push(b',');
        write_str(out, name);
        out.push(b':');
        write_str(out, signature);
    }
    if out.len() == start {
        out.extend_from_slice(b"{}");
    } else {
        out[start] = b'{';
        out.push(b'}');
    }
}

#[cfg(test)]
mod tests {
    use super::write_str;

    fn written(s: &str) -> String {
        let mut out = Vec::new();
        write_str(&mut out, s);
        String::from_utf8(out).unwrap()
    }

    /// Every ASCII byte (and some non-ASCII characters) in every position of every
    /// length up to 40 is written exactly as serde_json writes the string.
    #[test]
    fn strings_are_written_exactly_as_serde_json_writes_them() {
        let odd: Vec<char> = (0u8..0x80)
            .map(char::from)
            .chain(['中', 'é', '\u{2028}', '\u{fffe}', '🎁'])
            .collect();
        for len in 0..40 {
            let plain = "a".repeat(len);
            assert_eq!(written(&plain), serde_json::to_string(&plain).unwrap());
            for position in 0..len {
                for &c in &odd {
                    let mut text: Vec<char> = plain.chars().collect();
                    text[position] = c;
                    let text: String = text.into_iter().collect();
                    let expected = serde_json::to_string(&text).unwrap();
                    assert_eq!(written(&text), expected, "{c:?} at {position} of {len}");
                }
            }
        }
    }
}
