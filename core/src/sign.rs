//! Canonical sign strings and digests. The order is fixed at compile time: the derive
//! emits one `SignWriter` call per signed field, already sorted, and the values are
//! streamed into the hasher, never collected into a map or sorted at run time.

use crate::schema::{HexCase, SignScheme, SignSpec};
use crate::wire::Wire;
use hmac::{Hmac, Mac};
use md5::{Digest, Md5};
use sha2::Sha256;

/// How many canonical bytes are gathered before they are handed to the digest. The
/// canonical string arrives as many small pieces (`&name=`, a value), and handing each
/// to the hasher costs more than hashing it; one copy into a stack buffer is cheaper.
const BUFFER: usize = 256;

/// Where the canonical bytes end up.
enum Target {
    Md5(Md5),
    HmacSha256(Hmac<Sha256>),
    Text(Vec<u8>),
}

impl Target {
    fn feed(&mut self, bytes: &[u8]) {
        match self {
            Target::Md5(digest) => Digest::update(digest, bytes),
            Target::HmacSha256(mac) => Mac::update(mac, bytes),
            Target::Text(text) => text.extend_from_slice(bytes),
        }
    }
}

/// Receives a request's canonical sign string, piece by piece, in signing order. The
/// derive emits the calls (see `PayRequest`); the writer owns the separators, the
/// skipping of empty values and the secret's suffix, so every request signs alike.
pub struct SignWriter {
    target: Target,
    /// Whether a pair was written (sorted schemes drop the first pair's `&`).
    started: bool,
    len: usize,
    buf: [u8; BUFFER],
}

impl SignWriter {
    fn new(target: Target) -> Self {
        SignWriter {
            target,
            started: false,
            len: 0,
            buf: [0; BUFFER],
        }
    }

    #[inline(always)]
    fn put(&mut self, bytes: &[u8]) {
        let end = self.len + bytes.len();
        if end <= BUFFER {
            self.buf[self.len..end].copy_from_slice(bytes);
            self.len = end;
        } else {
            self.spill(bytes);
        }
    }

    #[inline(never)]
    fn spill(&mut self, bytes: &[u8]) {
        self.target.feed(&self.buf[..self.len]);
        self.len = 0;
        if bytes.len() > BUFFER {
            self.target.feed(bytes);
        } else {
            self.buf[..bytes.len()].copy_from_slice(bytes);
            self.len = bytes.len();
        }
    }

    /// Sorted schemes: `&name=value`, written only when `value` is not empty; `prefix`
    /// is `&name=` (the first pair is written without its `&`).
    #[inline(always)]
    pub fn pair(&mut self, prefix: &'static str, value: &str) {
        if value.is_empty() {
            return;
        }
        let prefix = prefix.as_bytes();
        if self.started {
            self.put(prefix);
        } else {
            self.started = true;
            self.put(prefix.get(1..).unwrap_or_default());
        }
        self.put(value.as_bytes());
    }

    /// [`SignWriter::pair`] for values that are not plain strings (numbers, amounts,
    /// JSON text), formatted on the stack.
    #[inline(never)]
    pub fn pair_wire(&mut self, prefix: &'static str, value: &Wire<'_>) {
        value.with_text(|text| self.pair(prefix, text));
    }

    /// `md5-concat`: the value alone.
    #[inline(always)]
    pub fn value(&mut self, value: &str) {
        self.put(value.as_bytes());
    }

    /// [`SignWriter::value`] for values that are not plain strings.
    #[inline(never)]
    pub fn value_wire(&mut self, value: &Wire<'_>) {
        value.with_text(|text| self.value(text));
    }

    /// Appends the secret as the scheme wants it and hands over the target.
    fn finish(mut self, spec: &SignSpec, secret: &str) -> Target {
        match spec.scheme {
            SignScheme::None => {}
            SignScheme::Md5Sorted | SignScheme::HmacSha256Sorted => {
                if self.started {
                    self.put(b"&");
                }
                self.put(spec.key_name.as_bytes());
                self.put(b"=");
                self.put(secret.as_bytes());
            }
            SignScheme::Md5Concat => self.put(secret.as_bytes()),
        }
        self.target.feed(&self.buf[..self.len]);
        self.target
    }
}

/// A hex digest on the stack (at most SHA-256's 64 digits).
pub struct HexDigest {
    digits: [u8; 64],
    len: usize,
}

impl HexDigest {
    fn new(bytes: &[u8], case: HexCase) -> Self {
        let table: &[u8; 16] = match case {
            HexCase::Upper => b"0123456789ABCDEF",
            HexCase::Lower => b"0123456789abcdef",
        };
        let mut digits = [0; 64];
        let len = (bytes.len() * 2).min(64);
        for (pair, b) in digits[..len].chunks_exact_mut(2).zip(bytes) {
            pair[0] = table[usize::from(b >> 4)];
            pair[1] = table[usize::from(b & 0x0f)];
        }
        HexDigest { digits, len }
    }

    /// The digits (empty for a request that is not signed).
    pub fn as_str(&self) -> &str {
        // Only ASCII hex digits were written.
        std::str::from_utf8(&self.digits[..self.len]).unwrap_or_default()
    }
}

/// The canonical string written by `write`, with `secret` where the key goes.
pub(crate) fn sign_string(
    spec: &SignSpec,
    secret: &str,
    write: &dyn Fn(&mut SignWriter),
) -> String {
    let mut writer = SignWriter::new(Target::Text(Vec::with_capacity(512)));
    write(&mut writer);
    match writer.finish(spec, secret) {
        // Every piece is whole UTF-8 (`&str`s and ASCII names), so this cannot fail;
        // the lossy path would only copy if it did.
        Target::Text(bytes) => String::from_utf8(bytes)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
        Target::Md5(_) | Target::HmacSha256(_) => String::new(),
    }
}

/// The signature over what `write` writes, hex in the declared case; empty for
/// `SignScheme::None`.
pub(crate) fn signature(
    spec: &SignSpec,
    secret: &str,
    write: &dyn Fn(&mut SignWriter),
) -> HexDigest {
    let target = match spec.scheme {
        SignScheme::None => return HexDigest::new(&[], spec.case),
        SignScheme::Md5Sorted | SignScheme::Md5Concat => Target::Md5(Md5::new()),
        SignScheme::HmacSha256Sorted => match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
            Ok(mac) => Target::HmacSha256(mac),
            // HMAC accepts keys of any length, so this cannot happen.
            Err(_) => return HexDigest::new(&[], spec.case),
        },
    };
    let mut writer = SignWriter::new(target);
    write(&mut writer);
    match writer.finish(spec, secret) {
        Target::Md5(digest) => HexDigest::new(&digest.finalize(), spec.case),
        Target::HmacSha256(mac) => HexDigest::new(&mac.finalize().into_bytes(), spec.case),
        Target::Text(_) => HexDigest::new(&[], spec.case),
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
