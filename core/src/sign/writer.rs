//! The streamed canonical string of the built-in schemes. The order is fixed at compile
//! time: the derive emits one `SignWriter` call per signed field, already sorted, and the
//! values are streamed into the hasher, never collected into a map or sorted at run time.

use crate::schema::{EmptyValues, HexCase, SignScheme, SignSpec};
use crate::value::Wire;
use crate::words::{copy_short, hex, hex16};
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
/// skipping (or, under `sign_empty = "keep"`, the signing) of empty values and the
/// secret's suffix, so every request signs alike.
///
/// How much of the buffer is filled travels by value: each call takes it as `at` and
/// returns the new length, so the emitted code keeps it in a register instead of
/// storing and reloading it around every piece.
pub struct SignWriter {
    target: Target,
    /// Bytes at the front of the buffer that are not part of the string: sorted
    /// schemes write every pair with its `&`, and the first one is dropped here.
    skip: usize,
    /// Sorted schemes: whether an empty value is written as `&name=` (`sign_empty`).
    keep_empty: bool,
    buf: [u8; BUFFER],
}

impl SignWriter {
    fn new(target: Target, spec: &SignSpec) -> Self {
        SignWriter {
            target,
            skip: usize::from(spec.scheme.is_sorted()),
            keep_empty: spec.empty == EmptyValues::Keep,
            buf: [0; BUFFER],
        }
    }

    #[inline(always)]
    fn put(&mut self, at: usize, bytes: &[u8]) -> usize {
        let end = at + bytes.len();
        if end <= BUFFER {
            copy_short(&mut self.buf[at..end], bytes);
            end
        } else {
            self.spill(at, bytes)
        }
    }

    /// Hands the first `len` bytes of the buffer to the target (without the skipped `&`).
    fn flush(&mut self, len: usize) {
        self.target
            .feed(self.buf.get(self.skip..len).unwrap_or_default());
        self.skip = self.skip.saturating_sub(len);
    }

    #[inline(never)]
    fn spill(&mut self, at: usize, bytes: &[u8]) -> usize {
        self.flush(at);
        if bytes.len() > BUFFER {
            let skipped = self.skip.min(bytes.len());
            self.target.feed(&bytes[skipped..]);
            self.skip -= skipped;
            0
        } else {
            self.buf[..bytes.len()].copy_from_slice(bytes);
            bytes.len()
        }
    }

    /// Sorted schemes: `&name=value`, written only when `value` is not empty (or when the
    /// request signs empty values, `sign_empty = "keep"`); `prefix` is `&name=` (the first
    /// `&` of the string is dropped), as bytes: the generated code passes an array, whose
    /// length is then a constant where this is inlined. Returns the new length.
    #[inline(always)]
    pub fn pair(&mut self, at: usize, prefix: &[u8], value: &str) -> usize {
        if value.is_empty() && !self.keep_empty {
            return at;
        }
        let at = self.put(at, prefix);
        self.put(at, value.as_bytes())
    }

    /// [`SignWriter::pair`] for values that are not plain strings (numbers, amounts,
    /// JSON text), formatted on the stack.
    #[inline(never)]
    pub fn pair_wire(&mut self, at: usize, prefix: &[u8], value: &Wire<'_>) -> usize {
        value
            .with_text(|text| self.pair(at, prefix, text))
            .unwrap_or(at)
    }

    /// `md5-concat`: the value alone. Returns the new length.
    #[inline(always)]
    pub fn value(&mut self, at: usize, value: &str) -> usize {
        self.put(at, value.as_bytes())
    }

    /// [`SignWriter::value`] for values that are not plain strings.
    #[inline(never)]
    pub fn value_wire(&mut self, at: usize, value: &Wire<'_>) -> usize {
        value.with_text(|text| self.value(at, text)).unwrap_or(at)
    }

    /// Appends the secret as the scheme wants it to the `at` bytes written and hands
    /// everything to the target (in place: the writer is a few hundred bytes, and moving
    /// it would copy them).
    fn finish(&mut self, at: usize, spec: &SignSpec, secret: &str) {
        let at = match spec.scheme {
            SignScheme::None | SignScheme::RsaSha256Sorted | SignScheme::Custom(_) => at,
            SignScheme::Md5Sorted | SignScheme::HmacSha256Sorted => {
                let at = self.put(at, b"&");
                let at = self.put(at, spec.key_name.as_bytes());
                let at = self.put(at, b"=");
                self.put(at, secret.as_bytes())
            }
            SignScheme::Md5Concat => self.put(at, secret.as_bytes()),
        };
        self.flush(at);
    }
}

/// A hex digest on the stack (at most SHA-256's 64 digits).
#[derive(Debug, Clone)]
pub struct HexDigest {
    digits: [u8; 64],
    len: usize,
}

impl HexDigest {
    fn new(bytes: &[u8], case: HexCase) -> Self {
        let letters = match case {
            HexCase::Upper => b'A',
            HexCase::Lower => b'a',
        };
        let mut digits = [0; 64];
        let mut len = 0;
        for sixteen in bytes.chunks_exact(16).take(2) {
            let mut chunk = [0u8; 16];
            chunk.copy_from_slice(sixteen);
            digits[len..len + 32].copy_from_slice(&hex16(&chunk, letters));
            len += 32;
        }
        HexDigest { digits, len }
    }

    /// The digits as bytes (no UTF-8 check: the XML body copies them as they are).
    pub fn as_bytes(&self) -> &[u8] {
        &self.digits[..self.len]
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
    write: &dyn Fn(&mut SignWriter) -> usize,
) -> String {
    let mut writer = SignWriter::new(Target::Text(Vec::with_capacity(512)), spec);
    let at = write(&mut writer);
    writer.finish(at, spec, secret);
    match writer.target {
        // Every piece is whole UTF-8 (`&str`s and ASCII names), so this cannot fail;
        // the lossy path would only copy if it did.
        Target::Text(bytes) => String::from_utf8(bytes)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
        Target::Md5(_) | Target::HmacSha256(_) => String::new(),
    }
}

/// The digest over what `write` writes, hex in the declared case; empty for the schemes
/// that are not digests.
pub(crate) fn signature(
    spec: &SignSpec,
    secret: &str,
    write: &dyn Fn(&mut SignWriter) -> usize,
) -> HexDigest {
    let target = match spec.scheme {
        SignScheme::None | SignScheme::RsaSha256Sorted | SignScheme::Custom(_) => {
            return HexDigest::new(&[], spec.case)
        }
        SignScheme::Md5Sorted | SignScheme::Md5Concat => Target::Md5(Md5::new()),
        SignScheme::HmacSha256Sorted => match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
            Ok(mac) => Target::HmacSha256(mac),
            // HMAC accepts keys of any length, so this cannot happen.
            Err(_) => return HexDigest::new(&[], spec.case),
        },
    };
    let mut writer = SignWriter::new(target, spec);
    let at = write(&mut writer);
    writer.finish(at, spec, secret);
    // Finalised in place (see `SignWriter::finish`); the writer is dropped right after.
    match &mut writer.target {
        Target::Md5(digest) => HexDigest::new(&digest.finalize_reset(), spec.case),
        Target::HmacSha256(mac) => HexDigest::new(&mac.finalize_reset().into_bytes(), spec.case),
        Target::Text(_) => HexDigest::new(&[], spec.case),
    }
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
