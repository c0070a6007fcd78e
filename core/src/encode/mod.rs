//! Body encoders. All three walk the same member list: constants, then the body fields
//! in declaration order (absent ones left out), then the signature.

pub mod form;
pub mod xml;

use crate::body::Body;
use crate::error::Error;
use crate::schema::{Format, SignScheme};
use crate::value::FieldAccess;
use crate::words::copy_short;

/// A request body being written: the derive emits one call per member (constants, the
/// body fields in declaration order, then the signature), each with its element or pair
/// prefix built at compile time. The first member that cannot be written is remembered
/// and reported when the body is finished; nothing is silently dropped.
///
/// As in `SignWriter`, the emitted code carries the length written so far by value
/// (`at`, from [`BodyWriter::written`] to [`BodyWriter::set_written`]), so it stays in
/// a register rather than being stored and reloaded around every member.
pub struct BodyWriter {
    /// The body is `out[..len]`; the rest is zeroed room, so the hot path copies short
    /// values in with fixed-size moves (see [`BodyWriter::room`]).
    out: Vec<u8>,
    len: usize,
    format: Format,
    failure: Option<Error>,
}

/// Capacity a body starts with: SwiftPass's `pay.weixin.wap` XML body is about 700 bytes. (Just under
/// 1 KiB: glibc serves requests up to 1032 bytes from its per-thread cache.)
const INITIAL_CAPACITY: usize = 1000;

/// How far ahead of need [`BodyWriter::grow`] zeroes room once the capacity is used up.
/// Zeroing ahead means one call per body rather than one per member; zeroing here
/// rather than allocating zeroed memory keeps glibc's per-thread cache (calloc skips
/// it and cost more than the whole XML body). JSON and form bodies never zero.
const ROOM_STEP: usize = 256;

impl BodyWriter {
    /// An empty body of `format`.
    pub(crate) fn new(format: Format) -> Self {
        let mut writer = BodyWriter {
            out: Vec::with_capacity(INITIAL_CAPACITY),
            len: 0,
            format,
            failure: None,
        };
        if format == Format::Xml {
            writer.len = writer.put(0, b"<xml>");
        }
        writer
    }

    /// How many bytes are written: where the emitted code starts.
    #[inline(always)]
    pub fn written(&self) -> usize {
        self.len
    }

    /// Where the emitted code stopped: `at` bytes are written.
    #[inline(always)]
    pub fn set_written(&mut self, at: usize) {
        self.len = at;
    }

    /// `n` bytes of room after the first `at`, to be written; the caller then counts
    /// them as written (or leaves them to be overwritten).
    #[inline(always)]
    pub(crate) fn room(&mut self, at: usize, n: usize) -> &mut [u8] {
        let end = at + n;
        if end > self.out.len() {
            self.grow(end);
        }
        &mut self.out[at..end]
    }

    #[cold]
    #[inline(never)]
    fn grow(&mut self, end: usize) {
        self.out
            .resize((end + ROOM_STEP).max(self.out.capacity()), 0);
    }

    /// Appends `bytes` after the first `at`; returns the new length.
    #[inline(always)]
    pub(crate) fn put(&mut self, at: usize, bytes: &[u8]) -> usize {
        copy_short(self.room(at, bytes.len()), bytes);
        at + bytes.len()
    }

    /// Lets `write` push onto the first `at` bytes as a `Vec` (escaping, form encoding,
    /// JSON: the paths that are not copies); returns the new length and what `write` said.
    pub(crate) fn push_with<R>(
        &mut self,
        at: usize,
        write: impl FnOnce(&mut Vec<u8>) -> R,
    ) -> (usize, R) {
        self.out.truncate(at);
        let result = write(&mut self.out);
        (self.out.len(), result)
    }

    /// Records a member that cannot be written; the first one is reported.
    #[cold]
    pub(crate) fn fail(&mut self, error: Error) {
        if self.failure.is_none() {
            self.failure = Some(error);
        }
    }

    /// A JSON request: the object (nested values included) and its signature member.
    pub fn json_request(&mut self, object: &dyn FieldAccess, signature: &str) {
        let spec = &object.object_schema().sign;
        let sign = match spec.scheme {
            SignScheme::None => None,
            _ => Some((spec.field, signature)),
        };
        (self.len, ()) = self.push_with(self.len, |out| {
            crate::value::json::write_object(out, object, sign)
        });
    }

    /// The finished body, or the first member that could not be written.
    pub(crate) fn finish(mut self) -> Result<Body, Error> {
        if let Some(error) = self.failure.take() {
            return Err(error);
        }
        if self.format == Format::Xml {
            self.len = self.put(self.len, b"</xml>");
        }
        self.out.truncate(self.len);
        Ok(Body::new(self.out, self.format.content_type()))
    }
}

/// The error for a nested value in a flat format.
pub(crate) fn not_flat(name: &str, format: Format) -> Error {
    Error::Unencodable {
        path: crate::path::Path::Root.key(name).to_string(),
        format: format.name(),
        reason: "nested objects and arrays need format = \"json\", or a JsonText<T> field",
    }
}
