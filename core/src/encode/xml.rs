//! Flat `<xml>` bodies. Text is escaped (`&`, `<`, `>`, and `\r` as `&#13;` so a parser's
//! line-ending normalisation cannot change it), so `]]>`, `<` and `&` in a value stay
//! text and can never open or close an element.

use super::{not_flat, BodyWriter};
use crate::error::Error;
use crate::schema::Format;
use crate::value::Wire;
use crate::words::{any_byte, bytes_below, bytes_equal, copy_scanning, copy_short, HIGHS, ONES};

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

/// High bits where one of the eight bytes needs a look (the [`ATTENTION`] set, plus tab
/// and LF, which the careful path copies), tested at once.
#[inline(always)]
fn attention(word: u64) -> u64 {
    // `<` (0x3c) and `>` (0x3e) differ in bit 1 only; no other byte maps to 0x3e.
    bytes_below(word, 0x20)
        | bytes_equal(word, b'&')
        | bytes_equal(word | (ONES * 0x02), b'>')
        | bytes_equal(word, 0xef)
}

/// What a validated text value can hold that XML must escape ([`BodyWriter::xml_trusted`]
/// copies a [`Markup::Free`] value as it is).
pub use paywire_text_formats::Markup;

/// What [`BodyWriter::element`] does with the text as it copies it.
const COPY: u8 = 0;
/// Scan for every byte that needs a look ([`attention`]).
const SCAN_ALL: u8 = 1;
/// Scan for `&` alone.
const SCAN_AMPERSAND: u8 = 2;
/// The length from which a value scanned for `&` alone is searched with `memchr`.
const AMPERSAND_MEMCHR_FROM: usize = 64;
/// The longest value [`BodyWriter::xml_text_leaf`] scans: what two fixed moves copy
/// and two sixteen-byte compares test.
const LEAF_LONGEST: usize = 32;

/// Whether a byte needs a look: the [`ATTENTION`] set, plus tab and LF (as
/// [`attention`]), written as comparisons the compiler can make sixteen at a time.
#[inline(always)]
fn needs_look(b: u8) -> bool {
    (b < 0x20) | (b == b'&') | (b == b'<') | (b == b'>') | (b == 0xef)
}

/// Whether any of the eight bytes needs a look.
#[inline(always)]
fn needs_attention(word: u64) -> bool {
    attention(word) & HIGHS != 0
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

impl BodyWriter {
    /// `<name>text</name>` after the first `at` bytes; `open` and `close` are the tags,
    /// built at compile time, and `markup` what the text can hold that XML must escape
    /// (known from the field's rules). The text is copied and scanned in one pass for
    /// that; only text that needs escaping (or holds a character XML cannot carry) takes
    /// the careful path. Returns the new length.
    #[inline(always)]
    pub fn xml_text(
        &mut self,
        at: usize,
        open: &[u8],
        close: &[u8],
        text: &str,
        markup: Markup,
    ) -> usize {
        let bytes = text.as_bytes();
        let (end, careful) = match markup {
            Markup::Possible => self.element::<SCAN_ALL>(at, open, close, bytes),
            Markup::AmpersandOnly => self.element::<SCAN_AMPERSAND>(at, open, close, bytes),
            Markup::Free => self.element::<COPY>(at, open, close, bytes),
        };
        if careful {
            self.xml_escaped(at, open, close, text)
        } else {
            end
        }
    }

    /// [`BodyWriter::xml_text`] when it needs no call: the room is there, the value is
    /// copied with fixed moves or a word loop, and holds nothing to escape. `None`
    /// otherwise (room to grow, a long value `memcpy` or `memchr` is better at, a
    /// character to escape), and nothing is counted as written. `tags` is
    /// `<name></name>`.
    ///
    /// A writer with no call on its common path keeps its work in the registers a
    /// call may clobber, so it saves and restores none of its caller's: that is most
    /// of what a call per member costs.
    #[inline(always)]
    pub fn xml_text_leaf<const T: usize>(
        &mut self,
        at: usize,
        tags: &[u8; T],
        bytes: &[u8],
        markup: Markup,
    ) -> Option<usize> {
        let (open, close) = split_tags(tags);
        let t = bytes.len();
        // Up to 32 bytes: scanned sixteen bytes at a time, then copied in two moves.
        // Longer URLs (the notify URL of every request) and clean text up to 63 bytes:
        // copied and scanned word by word. Longer still: `memcpy` and `memchr`.
        let short = t <= LEAF_LONGEST;
        if short {
            let careful = match markup {
                Markup::Possible => any_byte(bytes, needs_look),
                Markup::AmpersandOnly => any_byte(bytes, |b| b == b'&'),
                Markup::Free => false,
            };
            if careful {
                return None;
            }
        } else if markup == Markup::Possible || t >= AMPERSAND_MEMCHR_FROM {
            return None;
        }
        let end = at.checked_add(T + t)?;
        let room = self.out.get_mut(at..end)?;
        let (opening, value) = room.split_at_mut(open.len());
        opening.copy_from_slice(open);
        let (value, tail) = value.split_at_mut(t);
        if short {
            copy_short(value, bytes);
        } else if markup == Markup::AmpersandOnly {
            if copy_scanning(value, bytes, |w| bytes_equal(w, b'&')) {
                return None;
            }
        } else {
            copy_scanning(value, bytes, |_| 0);
        }
        tail.copy_from_slice(close);
        Some(end)
    }

    /// Every XML member [`BodyWriter::xml_text_leaf`] does not take: one shared copy.
    #[inline(never)]
    pub fn xml_general(
        &mut self,
        at: usize,
        tags: &[u8],
        value: &Wire<'_>,
        markup: Markup,
    ) -> usize {
        let (open, close) = split_tags(tags);
        match value {
            Wire::Str(s) => self.xml_text(at, open, close, s, markup),
            // Amounts and counts, the usual value that is not text: digits need no
            // escaping.
            Wire::UInt(u) => {
                self.xml_trusted(at, open, close, itoa::Buffer::new().format(*u).as_bytes())
            }
            other => self.xml_wire(at, open, close, other),
        }
    }

    /// `<name>text</name>` for text that cannot hold markup, known when the code is
    /// generated: a constant without `&`, `<`, `>` or control characters, the hex
    /// signature, or a value that has passed a rule admitting only such text (`one_of`
    /// with clean values, `ip`, `compact_time`, `rfc3339`, `alphanumeric`). Bodies are
    /// written only after validation has passed.
    #[inline(always)]
    pub fn xml_trusted(&mut self, at: usize, open: &[u8], close: &[u8], text: &[u8]) -> usize {
        let (end, _) = self.element::<COPY>(at, open, close, text);
        end
    }

    /// `open`, `text` and `close` after the first `at` bytes: the new length, and
    /// whether `SCAN` found a byte of `text` that needs a look (it is scanned as it is
    /// copied).
    #[inline(always)]
    fn element<const SCAN: u8>(
        &mut self,
        at: usize,
        open: &[u8],
        close: &[u8],
        text: &[u8],
    ) -> (usize, bool) {
        let (o, t, c) = (open.len(), text.len(), close.len());
        let room = self.room(at, o + t + c);
        copy_short(&mut room[..o], open);
        let value = &mut room[o..o + t];
        let needs_look = match SCAN {
            SCAN_ALL => copy_scanning(value, text, attention),
            // Long values: one copy and `memchr`, which overtakes the word-at-a-time
            // pass from 64 bytes (`cargo bench -p paywire --bench byte_scans`).
            SCAN_AMPERSAND if t >= AMPERSAND_MEMCHR_FROM => {
                value.copy_from_slice(text);
                memchr::memchr(b'&', text).is_some()
            }
            SCAN_AMPERSAND => copy_scanning(value, text, |w| bytes_equal(w, b'&')),
            _ => {
                copy_short(value, text);
                false
            }
        };
        copy_short(&mut room[o + t..], close);
        (at + o + t + c, needs_look)
    }

    #[inline(never)]
    fn xml_escaped(&mut self, at: usize, open: &[u8], close: &[u8], text: &str) -> usize {
        let (at, escaped) = self.push_with(at, |out| {
            out.extend_from_slice(open);
            let escaped = escape_into(out, text);
            out.extend_from_slice(close);
            escaped
        });
        if !escaped {
            self.fail(Error::Unencodable {
                path: crate::path::Path::Root.key(tag_name(open)).to_string(),
                format: "xml",
                reason: "contains a control character that XML 1.0 cannot carry; remove it",
            });
        }
        at
    }

    /// [`BodyWriter::xml_text`] for a value that is not a plain string: numbers and JSON
    /// text are written as text; nested objects and arrays cannot be, and are reported.
    #[inline(never)]
    pub fn xml_wire(&mut self, at: usize, open: &[u8], close: &[u8], value: &Wire<'_>) -> usize {
        if matches!(value, Wire::Object(_) | Wire::Array(_)) {
            self.fail(not_flat(tag_name(open), Format::Xml));
            return at;
        }
        let written = match value {
            // Digits (and a point) need no escaping.
            Wire::Int(_) | Wire::UInt(_) | Wire::Yuan(_) => {
                value.with_text(|text| self.xml_trusted(at, open, close, text.as_bytes()))
            }
            _ => value.with_text(|text| self.xml_text(at, open, close, text, Markup::Possible)),
        };
        written.unwrap_or(at)
    }
}

/// `<name>` and `</name>` of `<name></name>`.
#[inline(always)]
fn split_tags(tags: &[u8]) -> (&[u8], &[u8]) {
    tags.split_at(tags.len().saturating_sub(1) / 2)
}

/// `name` of `<name>` (tags are built from wire names, which are UTF-8).
fn tag_name(open: &[u8]) -> &str {
    std::str::from_utf8(open)
        .unwrap_or_default()
        .trim_start_matches('<')
        .trim_end_matches('>')
}

#[cfg(test)]
mod tests {
    use super::{needs_attention, needs_look, BodyWriter, Markup, ATTENTION};
    use crate::__private::{markup, xml_member, xml_text_member};
    use crate::schema::Format;
    use crate::value::Wire;

    /// One element written by the hot path, as the whole body.
    fn element(text: &str) -> Option<String> {
        let mut body = BodyWriter::new(Format::Xml);
        let at = body.xml_text(body.written(), b"<v>", b"</v>", text, Markup::Possible);
        body.set_written(at);
        body.finish().ok().map(|b| b.as_str().to_owned())
    }

    /// One element written by the member writers the derive calls, as the whole body,
    /// after checking that the writer of text fields and the writer of any value write
    /// the same.
    fn member<M: markup::Class + Copy>(text: &str, class: M) -> Option<String> {
        let written = |write: &dyn Fn(&mut BodyWriter, usize) -> usize| {
            let mut body = BodyWriter::new(Format::Xml);
            let start = body.written();
            let at = write(&mut body, start);
            body.set_written(at);
            body.finish().ok().map(|b| b.as_str().to_owned())
        };
        let text_writer = written(&|body, at| xml_text_member(text, body, at, b"<v></v>", class));
        let general = written(&|body, at| xml_member(Wire::Str(text), body, at, b"<v></v>", class));
        assert_eq!(text_writer, general, "{text:?}");
        text_writer
    }

    /// The escaping rule, one character at a time.
    fn spec(text: &str) -> Option<String> {
        let mut out = String::from("<xml><v>");
        for c in text.chars() {
            match c {
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '\r' => out.push_str("&#13;"),
                '\t' | '\n' => out.push(c),
                '\u{0}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => return None,
                _ => out.push(c),
            }
        }
        out.push_str("</v></xml>");
        Some(out)
    }

    #[test]
    fn every_character_that_matters_is_seen_in_every_position_of_every_length() {
        let odd = [
            '&', '<', '>', '\r', '\t', '\n', '\u{1}', '\u{fffe}', '\u{ffff}', '\u{ff08}', '中',
        ];
        for len in 0..48 {
            let plain = "a".repeat(len);
            assert_eq!(element(&plain), spec(&plain), "length {len}");
            for position in 0..len {
                for c in odd {
                    let mut text: Vec<char> = plain.chars().collect();
                    text[position] = c;
                    let text: String = text.into_iter().collect();
                    assert_eq!(element(&text), spec(&text), "{c:?} at {position} of {len}");
                }
            }
        }
    }

    /// Every length up to `longest`, and each of `odd` in every position of `a`s: what
    /// the member writers write of class `class` is what the escaping rule says.
    fn every_position<M: markup::Class + Copy>(longest: usize, odd: &[char], class: M) {
        for len in 0..=longest {
            let plain = "a".repeat(len);
            assert_eq!(member(&plain, class), spec(&plain), "length {len}");
            for position in 0..len {
                for &c in odd {
                    let mut text: Vec<char> = plain.chars().collect();
                    text[position] = c;
                    let text: String = text.into_iter().collect();
                    let written = member(&text, class);
                    assert_eq!(written, spec(&text), "{c:?} at {position} of {len}");
                }
            }
        }
    }

    #[test]
    fn the_member_writers_escape_what_matters_in_every_position_of_every_length() {
        // Up to 32 bytes the value is scanned sixteen bytes at a time; longer, by the
        // general path.
        let odd = ['&', '<', '>', '\r', '\t', '\n', '\u{1}', '\u{ffff}', '中'];
        every_position(47, &odd, markup::Possible);
    }

    #[test]
    fn the_member_writers_escape_a_url_s_ampersands_in_every_position_of_every_length() {
        // Up to 32 bytes: sixteen at a time; up to 63: word by word; from 64: `memchr`.
        every_position(79, &['&'], markup::AmpersandOnly);
    }

    #[test]
    fn the_member_writers_copy_clean_text_of_every_length_whole() {
        for len in 0..80 {
            let text: String = "0123456789abcdef中".chars().cycle().take(len).collect();
            assert_eq!(member(&text, markup::Free), spec(&text), "length {len}");
        }
    }

    #[test]
    fn tags_of_every_kind_of_name_are_split_where_they_meet() {
        fn one<const T: usize>(tags: &'static [u8; T], text: &str) -> String {
            let mut body = BodyWriter::new(Format::Xml);
            let start = body.written();
            let at = xml_text_member(text, &mut body, start, tags, markup::Possible);
            body.set_written(at);
            body.finish().unwrap().as_str().to_owned()
        }
        let long = "a_member_name_longer_than_thirty_two_bytes";
        let tags = b"<a_member_name_longer_than_thirty_two_bytes></a_member_name_longer_than_thirty_two_bytes>";
        for text in ["", "v", "a value that the general path writes, &c."] {
            assert_eq!(
                one(b"<a></a>", text),
                format!("<xml><a>{}</a></xml>", text.replace('&', "&amp;"))
            );
            assert_eq!(
                one(tags, text),
                format!("<xml><{long}>{}</{long}></xml>", text.replace('&', "&amp;"))
            );
        }
    }

    #[test]
    fn members_written_past_the_first_room_are_whole() {
        // The writers' short path takes only room that is there; the rest grows it.
        let mut body = BodyWriter::new(Format::Xml);
        let mut at = body.written();
        let mut expected = String::from("<xml>");
        for i in 0..300 {
            let text = "x".repeat(i % 70);
            at = xml_text_member(&text, &mut body, at, b"<v></v>", markup::AmpersandOnly);
            expected.push_str(&format!("<v>{text}</v>"));
        }
        body.set_written(at);
        expected.push_str("</xml>");
        assert_eq!(body.finish().unwrap().as_str(), expected);
    }

    #[test]
    fn url_values_have_their_ampersands_escaped_in_every_position() {
        for len in 0..40 {
            for position in 0..len {
                let mut text = vec![b'a'; len];
                text[position] = b'&';
                let text = String::from_utf8(text).unwrap();
                let mut body = BodyWriter::new(Format::Xml);
                let at = body.xml_text(
                    body.written(),
                    b"<v>",
                    b"</v>",
                    &text,
                    Markup::AmpersandOnly,
                );
                body.set_written(at);
                let written = body.finish().ok().map(|b| b.as_str().to_owned());
                assert_eq!(written, spec(&text), "& at {position} of {len}");
            }
        }
    }

    #[test]
    fn a_body_longer_than_its_first_room_is_whole() {
        let long = "x&".repeat(700);
        assert_eq!(element(&long), spec(&long));
        let mut body = BodyWriter::new(Format::Xml);
        let mut at = body.written();
        for i in 0..100 {
            at = body.xml_text(
                at,
                b"<v>",
                b"</v>",
                &format!("value {i} of a long body"),
                Markup::Possible,
            );
        }
        body.set_written(at);
        let expected: String = (0..100)
            .map(|i| format!("<v>value {i} of a long body</v>"))
            .collect();
        assert_eq!(
            body.finish().ok().map(|b| b.as_str().to_owned()),
            Some(format!("<xml>{expected}</xml>"))
        );
    }

    #[test]
    fn the_byte_test_agrees_with_the_byte_table_for_every_byte() {
        for b in 0..=255u8 {
            let expected = ATTENTION[usize::from(b)] || b == b'\t' || b == b'\n';
            assert_eq!(needs_look(b), expected, "byte {b:#x}");
        }
    }

    #[test]
    fn the_word_test_agrees_with_the_byte_table_for_every_byte_in_every_position() {
        for (b, position, word) in crate::words::each_byte_in_each_position() {
            // Never misses a byte that needs a look; flags nothing else but tab and LF
            // (below 0x20, handled by the byte path at a small cost).
            let expected = ATTENTION[usize::from(b)] || b == b'\t' || b == b'\n';
            assert_eq!(needs_attention(word), expected, "byte {b:#x} at {position}");
        }
        assert!(
            !needs_attention(u64::from_le_bytes(*b"\xe4\xb8\xad\xe6\x96\x87ab")),
            "CJK is clean"
        );
    }
}
