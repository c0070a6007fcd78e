//! Canonical sign strings and digests. The order comes from the schema (computed at
//! compile time); values are streamed into the hasher, never collected into a map.

use crate::object::FieldAccess;
use crate::schema::{ConstValue, HexCase, SignEntry, SignScheme, SignSpec};
use crate::wire::Wire;
use hmac::{Hmac, Mac};
use md5::{Digest, Md5};
use sha2::Sha256;

/// Where the canonical bytes go: a string for display, or a hasher.
trait Sink {
    fn put(&mut self, bytes: &[u8]);
}

impl Sink for Vec<u8> {
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

impl Sink for Md5 {
    fn put(&mut self, bytes: &[u8]) {
        Digest::update(self, bytes);
    }
}

impl Sink for Hmac<Sha256> {
    fn put(&mut self, bytes: &[u8]) {
        Mac::update(self, bytes);
    }
}

pub(crate) fn constant_wire(value: ConstValue) -> Wire<'static> {
    match value {
        ConstValue::Str(s) => Wire::Str(s),
        ConstValue::Int(i) => Wire::Int(i),
    }
}

fn write_canonical(object: &dyn FieldAccess, spec: &SignSpec, secret: &str, sink: &mut dyn Sink) {
    let schema = object.object_schema();
    let entry = |e: &SignEntry| match *e {
        SignEntry::Field(i) => (
            schema.fields[usize::from(i)].wire_name,
            object.field(usize::from(i)),
        ),
        SignEntry::Constant(i) => {
            let c = &schema.constants[usize::from(i)];
            (c.wire_name, constant_wire(c.value))
        }
    };
    match spec.scheme {
        SignScheme::None => {}
        SignScheme::Md5Sorted | SignScheme::HmacSha256Sorted => {
            let mut first = true;
            for e in spec.order {
                let (name, value) = entry(e);
                value.with_text(|text| {
                    if !text.is_empty() {
                        if !first {
                            sink.put(b"&");
                        }
                        sink.put(name.as_bytes());
                        sink.put(b"=");
                        sink.put(text.as_bytes());
                        first = false;
                    }
                });
            }
            if !first {
                sink.put(b"&");
            }
            sink.put(spec.key_name.as_bytes());
            sink.put(b"=");
            sink.put(secret.as_bytes());
        }
        SignScheme::Md5Concat => {
            for e in spec.order {
                entry(e).1.with_text(|text| sink.put(text.as_bytes()));
            }
            sink.put(secret.as_bytes());
        }
    }
}

/// The canonical string, with `secret` where the key goes.
pub(crate) fn sign_string(object: &dyn FieldAccess, spec: &SignSpec, secret: &str) -> String {
    let mut out = Vec::new();
    write_canonical(object, spec, secret, &mut out);
    // Every piece written is a &str, so the concatenation is UTF-8.
    String::from_utf8(out).unwrap_or_default()
}

/// The signature, hex in the declared case; empty for `SignScheme::None`.
pub(crate) fn signature(object: &dyn FieldAccess, spec: &SignSpec, secret: &str) -> String {
    match spec.scheme {
        SignScheme::None => String::new(),
        SignScheme::Md5Sorted | SignScheme::Md5Concat => {
            let mut hasher = Md5::new();
            write_canonical(object, spec, secret, &mut hasher);
            hex(&hasher.finalize(), spec.case)
        }
        SignScheme::HmacSha256Sorted => {
            // HMAC accepts keys of any length, so this cannot fail.
            let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
                return String::new();
            };
            write_canonical(object, spec, secret, &mut mac);
            hex(&mac.finalize().into_bytes(), spec.case)
        }
    }
}

/// Hex-encodes `bytes` in `case`.
pub fn hex(bytes: &[u8], case: HexCase) -> String {
    let digits: &[u8; 16] = match case {
        HexCase::Upper => b"0123456789ABCDEF",
        HexCase::Lower => b"0123456789abcdef",
    };
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(digits[usize::from(b >> 4)]));
        out.push(char::from(digits[usize::from(b & 0x0f)]));
    }
    out
}

/// MD5 of `bytes`, hex in `case`.
pub fn md5_hex(bytes: &[u8], case: HexCase) -> String {
    hex(&Md5::digest(bytes), case)
}

/// HMAC-SHA256 of `message` keyed with `key`, hex in `case`.
pub fn hmac_sha256_hex(key: &[u8], message: &[u8], case: HexCase) -> String {
    // HMAC accepts keys of any length.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
        return String::new();
    };
    mac.update(message);
    hex(&mac.finalize().into_bytes(), case)
}
