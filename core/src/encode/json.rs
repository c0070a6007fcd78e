//! JSON bodies, nested objects and arrays included.

use super::for_each_member;
use crate::object::FieldAccess;
use crate::wire::{Wire, YuanBuf};

fn write_str(out: &mut Vec<u8>, s: &str) {
    // Writing a &str into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, s);
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

pub(crate) fn write_object(
    out: &mut Vec<u8>,
    object: &dyn FieldAccess,
    sign: Option<(&str, &str)>,
) {
    out.push(b'{');
    let mut first = true;
    let mut member = |out: &mut Vec<u8>, name: &str, value: &Wire<'_>| {
        if !first {
            out.push(b',');
        }
        first = false;
        write_str(out, name);
        out.push(b':');
        write_value(out, value);
    };
    let _ = for_each_member::<()>(object, |name, value| {
        member(out, name, &value);
        Ok(())
    });
    if let Some((name, signature)) = sign {
        member(out, name, &Wire::Str(signature));
    }
    out.push(b'}');
}
