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

/// Feeds a digest through a stack buffer: the canonical string arrives as many small
/// pieces (`&`, a name, `=`, a value), and handing each to the hasher costs more than
/// the hashing itself. Nothing is allocated.
struct Buffered<D> {
    digest: D,
    buf: [u8; 512],
    len: usize,
}

impl<D: Update> Buffered<D> {
    fn new(digest: D) -> Self {
        Buffered {
            digest,
            buf: [0; 512],
            len: 0,
        }
    }

    fn finish(mut self) -> D {
        self.digest.feed(&self.buf[..self.len]);
        self.len = 0;
        self.digest
    }
}

impl<D: Update> Sink for Buffered<D> {
    fn put(&mut self, bytes: &[u8]) {
        if self.len + bytes.len() > self.buf.len() {
            self.digest.feed(&self.buf[..self.len]);
            self.len = 0;
        }
        if bytes.len() > self.buf.len() {
            self.digest.feed(bytes);
        } else {
            self.buf[self.len..self.len + bytes.len()].copy_from_slice(bytes);
            self.len += bytes.len();
        }
    }
}

/// The one operation [`Buffered`] needs from MD5 and HMAC-SHA256.
trait Update {
    fn feed(&mut self, bytes: &[u8]);
}

impl Update for Md5 {
    fn feed(&mut self, bytes: &[u8]) {
        Digest::update(self, bytes);
    }
}

impl Update for Hmac<Sha256> {
    fn feed(&mut self, bytes: &[u8]) {
        Mac::update(self, bytes);
    }
}

pub(crate) fn constant_wire(value: ConstValue) -> Wire<'static> {
    match value {
        ConstValue::Str(s) => Wire::Str(s),
        ConstValue::Int(i) => Wire::Int(i),
    }
}

fn write_canonical<S: Sink>(object: &dyn FieldAccess, spec: &SignSpec, secret: &str, sink: &mut S) {
    let schema = object.object_schema();
    let value_of = |e: &SignEntry| match *e {
        SignEntry::Field(i) => object.field(usize::from(i)),
        SignEntry::Constant(i) => constant_wire(schema.constants[usize::from(i)].value),
    };
    // Strings, the common case, go straight in; other values are formatted on the stack.
    let put_value = |sink: &mut S, value: &Wire<'_>, prefix: &[u8]| match value {
        Wire::Str("") => false,
        Wire::Str(s) => {
            sink.put(prefix);
            sink.put(s.as_bytes());
            true
        }
        other => other
            .with_text(|text| {
                if !text.is_empty() {
                    sink.put(prefix);
                    sink.put(text.as_bytes());
                }
                !text.is_empty()
            })
            .unwrap_or(false),
    };
    match spec.scheme {
        SignScheme::None => {}
        SignScheme::Md5Sorted | SignScheme::HmacSha256Sorted => {
            let mut first = true;
            for (entry, prefix) in spec.order.iter().zip(spec.prefixes) {
                let prefix = if first {
                    &prefix.as_bytes()[1..]
                } else {
                    prefix.as_bytes()
                };
                if put_value(sink, &value_of(entry), prefix) {
                    first = false;
                }
            }
            if !first {
                sink.put(b"&");
            }
            sink.put(spec.key_name.as_bytes());
            sink.put(b"=");
            sink.put(secret.as_bytes());
        }
        SignScheme::Md5Concat => {
            for entry in spec.order {
                put_value(sink, &value_of(entry), b"");
            }
            sink.put(secret.as_bytes());
        }
    }
}

/// The canonical string, with `secret` where the key goes.
pub(crate) fn sign_string(object: &dyn FieldAccess, spec: &SignSpec, secret: &str) -> String {
    let mut out = Vec::with_capacity(512);
    write_canonical(object, spec, secret, &mut out);
    // Every piece is whole UTF-8 (`&str`s and ASCII prefixes), so this cannot fail;
    // the lossy path would only copy if it did.
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// The signature, hex in the declared case; empty for `SignScheme::None`.
pub(crate) fn signature(object: &dyn FieldAccess, spec: &SignSpec, secret: &str) -> String {
    match spec.scheme {
        SignScheme::None => String::new(),
        SignScheme::Md5Sorted | SignScheme::Md5Concat => {
            let mut sink = Buffered::new(Md5::new());
            write_canonical(object, spec, secret, &mut sink);
            hex(&sink.finish().finalize(), spec.case)
        }
        SignScheme::HmacSha256Sorted => {
            // HMAC accepts keys of any length, so this cannot fail.
            let Ok(mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
                return String::new();
            };
            let mut sink = Buffered::new(mac);
            write_canonical(object, spec, secret, &mut sink);
            hex(&sink.finish().finalize().into_bytes(), spec.case)
        }
    }
}

/// Hex-encodes `bytes` in `case`.
pub fn hex(bytes: &[u8], case: HexCase) -> String {
    let digits: &[u8; 16] = match case {
        HexCase::Upper => b"0123456789ABCDEF",
        HexCase::Lower => b"0123456789abcdef",
    };
    let mut out = Vec::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(digits[usize::from(b >> 4)]);
        out.push(digits[usize::from(b & 0x0f)]);
    }
    // Only ASCII hex digits were written.
    String::from_utf8(out).unwrap_or_default()
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
