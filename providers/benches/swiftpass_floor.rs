//! The floor of verifying a SwiftPass notification: a hand-written verifier that does only
//! the unavoidable work — the elements read with quick-xml, borrowed from the body, sorted,
//! joined `k=v&...&key=`, MD5, compared. No strictness, no rules, no typed value: a
//! measuring stick for `verify_notification`, shared by the `notifications` bench and
//! `axum-notify/examples/throughput.rs` (mode `floor`). Values in CDATA or plain text
//! without entities.

use md5::{Digest, Md5};
use quick_xml::events::Event;

/// Upper-case hex.
pub fn hex_upper(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    out
}

/// The floor: the elements borrowed from the body, sorted, joined, hashed, compared.
pub fn floor(body: &[u8], key: &str) -> bool {
    let mut reader = quick_xml::Reader::from_reader(body);
    let mut members: Vec<(&[u8], &[u8])> = Vec::with_capacity(16);
    let mut name: &[u8] = b"";
    let mut sign: &[u8] = b"";
    loop {
        let event = match reader.read_event() {
            Ok(event) => event,
            Err(_) => return false,
        };
        match event {
            Event::Start(start) => {
                let at = reader.buffer_position() as usize;
                name = &body[at - start.len() - 1..at - 1];
            }
            Event::End(_) => name = b"",
            Event::CData(_) | Event::Text(_) if name.is_empty() => {}
            Event::CData(value) => {
                let end = reader.buffer_position() as usize - 3;
                let value = &body[end - value.len()..end];
                keep(&mut members, &mut sign, name, value);
            }
            Event::Text(value) => {
                let end = reader.buffer_position() as usize;
                let value = &body[end - value.len()..end];
                keep(&mut members, &mut sign, name, value);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    members.sort_unstable();
    let mut hasher = Md5::new();
    for (name, value) in &members {
        hasher.update(name);
        hasher.update(b"=");
        hasher.update(value);
        hasher.update(b"&");
    }
    hasher.update(b"key=");
    hasher.update(key.as_bytes());
    hex_upper(&hasher.finalize()).as_bytes() == sign
}

fn keep<'a>(
    members: &mut Vec<(&'a [u8], &'a [u8])>,
    sign: &mut &'a [u8],
    name: &'a [u8],
    value: &'a [u8],
) {
    if name == b"sign" {
        *sign = value;
    } else {
        members.push((name, value));
    }
}
