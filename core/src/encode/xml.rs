//! Flat `<xml>` bodies. Text is escaped (`&`, `<`, `>`, and `\r` as `&#13;` so a parser's
//! line-ending normalisation cannot change it), so `]]>`, `<` and `&` in a value stay
//! text and can never open or close an element.

use super::{for_each_member, not_flat};
use crate::error::Error;
use crate::object::FieldAccess;
use crate::schema::Format;
use crate::wire::Wire;

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

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// Whether any byte of `word` is zero (exact for the whole word).
const fn has_zero(word: u64) -> bool {
    word.wrapping_sub(ONES) & !word & HIGHS != 0
}

/// Whether any of the eight bytes needs a look (the [`ATTENTION`] set), tested at once.
const fn needs_attention(word: u64) -> bool {
    // Any byte below 0x20 (exact for thresholds up to 0x80), or equal to one of the four.
    word.wrapping_sub(ONES * 0x20) & !word & HIGHS != 0
        || has_zero(word ^ (ONES * b'&' as u64))
        || has_zero(word ^ (ONES * b'<' as u64))
        || has_zero(word ^ (ONES * b'>' as u64))
        || has_zero(word ^ (ONES * 0xef))
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

fn element(out: &mut Vec<u8>, name: &str, value: &Wire<'_>) -> Result<(), Error> {
    if matches!(value, Wire::Object(_) | Wire::Array(_)) {
        return Err(not_flat(name, Format::Xml));
    }
    let clean = value.with_text(|text| {
        let mark = out.len();
        out.push(b'<');
        out.extend_from_slice(name.as_bytes());
        out.push(b'>');
        if !escape_into(out, text) {
            out.truncate(mark);
            return false;
        }
        out.extend_from_slice(b"</");
        out.extend_from_slice(name.as_bytes());
        out.push(b'>');
        true
    });
    if clean == Some(false) {
        return Err(Error::Unencodable {
            path: crate::Path::Root.key(name).to_string(),
            format: "xml",
            reason: "contains a control character that XML 1.0 cannot carry; remove it",
        });
    }
    Ok(())
}

/// A request's XML body.
pub(crate) fn encode(
    object: &dyn FieldAccess,
    sign: Option<(&str, &str)>,
) -> Result<Vec<u8>, Error> {
    let mut out = Vec::with_capacity(1024);
    out.extend_from_slice(b"<xml>");
    for_each_member(object, |name, value| element(&mut out, name, &value))?;
    if let Some((name, signature)) = sign {
        element(&mut out, name, &Wire::Str(signature))?;
    }
    out.extend_from_slice(b"</xml>");
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::{needs_attention, ATTENTION};

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
