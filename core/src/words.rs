//! Byte-class scans for every request's hot path: XML escaping and the URL check.
//! Two kinds: tests of eight bytes at a time in one word (SWAR), where each test sets a
//! byte's high bit where it holds (and possibly in bytes above a hit, through the
//! borrow), so "is there any" is exact; and [`any_byte`], a branch-free loop of one
//! comparison per byte that the compiler turns into vector compares, faster for the
//! wider classes on values of 8 bytes and more (docs/PERFORMANCE.md, "Byte scans").

/// `0x01` in every byte.
pub(crate) const ONES: u64 = 0x0101_0101_0101_0101;
/// `0x80` in every byte.
pub(crate) const HIGHS: u64 = 0x8080_8080_8080_8080;

/// High bits where a byte of `x` is zero.
#[inline(always)]
pub(crate) const fn zero_bytes(x: u64) -> u64 {
    x.wrapping_sub(ONES) & !x
}

/// High bits where a byte of `word` equals `b`.
#[inline(always)]
pub(crate) const fn bytes_equal(word: u64, b: u8) -> u64 {
    zero_bytes(word ^ (ONES * b as u64))
}

/// High bits where a byte of `word` is below `n` (exact for `n <= 0x80`).
#[inline(always)]
pub(crate) const fn bytes_below(word: u64, n: u8) -> u64 {
    word.wrapping_sub(ONES * n as u64) & !word
}

/// Whether `hit` finds anything in any word of `bytes`. Words are read at steps of
/// eight, the last one overlapping the one before; a slice shorter than a word is
/// gathered from overlapping reads and filled with its own bytes, so no byte is missed
/// and no byte that is not in the slice is tested.
#[inline(always)]
pub(crate) fn any_word(bytes: &[u8], hit: impl Fn(u64) -> bool) -> bool {
    let n = bytes.len();
    let word = |at: usize| {
        let mut eight = [0u8; 8];
        eight.copy_from_slice(&bytes[at..at + 8]);
        u64::from_le_bytes(eight)
    };
    if n >= 8 {
        let mut at = 0;
        while at + 8 < n {
            if hit(word(at)) {
                return true;
            }
            at += 8;
        }
        return hit(word(n - 8));
    }
    if n == 0 {
        return false;
    }
    hit(gather_short(bytes))
}

/// The bytes of a slice of one to seven bytes as one word, every byte of the word one
/// of the slice's: two overlapping halves, or bytes 0, n/2 and n-1 (which cover a 1- to
/// 3-byte slice) with the first repeated.
#[inline(always)]
fn gather_short(bytes: &[u8]) -> u64 {
    let n = bytes.len();
    if n >= 4 {
        let half = |at: usize| {
            let mut four = [0u8; 4];
            four.copy_from_slice(&bytes[at..at + 4]);
            u64::from(u32::from_le_bytes(four))
        };
        half(0) | half(n - 4) << 32
    } else {
        let (a, b, c) = (
            u64::from(bytes[0]),
            u64::from(bytes[n / 2]),
            u64::from(bytes[n - 1]),
        );
        (ONES * a) & !0x00ff_ff00 | b << 8 | c << 16
    }
}

/// [`u8::is_ascii_alphanumeric`] as two range tests without a branch, for the byte
/// classes [`any_byte`] tests.
#[inline(always)]
pub(crate) fn alphanumeric(b: u8) -> bool {
    ((b | 0x20).wrapping_sub(b'a') < 26) | (b.wrapping_sub(b'0') < 10)
}

/// Whether `hit` holds for any byte of `bytes`: 32 bytes at a time in a loop without
/// branches the compiler turns into vector compares, the last 32 or fewer gathered into
/// two 16-byte arrays (overlapping, or repeated for slices under 16 bytes, never filled
/// with a byte that is not in the slice) and tested the same way. `hit` should be
/// written with `|` rather than `||`, so that it stays branch-free.
#[inline(always)]
pub(crate) fn any_byte(bytes: &[u8], hit: impl Fn(u8) -> bool) -> bool {
    let mut rest = bytes;
    while rest.len() > 32 {
        let (chunk, tail) = rest.split_at(32);
        let (first, last) = chunk.split_at(16);
        if any_of_pairs(first, last, &hit) {
            return true;
        }
        rest = tail;
    }
    let n = rest.len();
    let mut first = [0u8; 16];
    let mut last = [0u8; 16];
    match n {
        0 => return false,
        1..=7 => {
            let word = gather_short(rest).to_le_bytes();
            first[..8].copy_from_slice(&word);
            first[8..].copy_from_slice(&word);
            last = first;
        }
        8..=15 => {
            first[..8].copy_from_slice(&rest[..8]);
            first[8..].copy_from_slice(&rest[n - 8..]);
            last = first;
        }
        _ => {
            first.copy_from_slice(&rest[..16]);
            last.copy_from_slice(&rest[n - 16..]);
        }
    }
    any_of_pairs(&first, &last, &hit)
}

/// Whether `hit` holds for a byte of `first` or `last`, 16 bytes each: no early exit,
/// so the loop becomes a handful of vector operations.
#[inline(always)]
fn any_of_pairs(first: &[u8], last: &[u8], hit: &impl Fn(u8) -> bool) -> bool {
    let mut found = false;
    for (&a, &b) in first.iter().zip(last) {
        found |= hit(a) | hit(b);
    }
    found
}

/// The index of the first byte of `bytes` where `hits` sets the high bit, scanning eight
/// bytes at a time (the last word overlapping the one before). `hits` must be exact in
/// its lowest set bit, as the tests above are: they may only err above a true hit.
#[inline(always)]
pub(crate) fn first_hit(bytes: &[u8], hits: impl Fn(u64) -> u64) -> Option<usize> {
    let n = bytes.len();
    if n < 8 {
        return bytes.iter().position(|&b| hits(u64::from(b)) & 0x80 != 0);
    }
    let word = |at: usize| {
        let mut eight = [0u8; 8];
        eight.copy_from_slice(&bytes[at..at + 8]);
        u64::from_le_bytes(eight)
    };
    let mut at = 0;
    loop {
        // The last word ends at `n`; bytes it shares with the word before had no hit.
        let at_word = at.min(n - 8);
        let found = hits(word(at_word)) & HIGHS;
        if found != 0 {
            return Some(at_word + found.trailing_zeros() as usize / 8);
        }
        at += 8;
        if at >= n {
            return None;
        }
    }
}

/// Copies `src` into `dst` (of the same length) with at most two fixed-size moves for
/// up to 32 bytes, overlapping in the middle, so the short values of a request do not
/// each pay for a call to `memcpy`; longer ones are copied as usual.
#[inline(always)]
pub(crate) fn copy_short(dst: &mut [u8], src: &[u8]) {
    let n = src.len();
    let dst = &mut dst[..n];
    match n {
        0 => {}
        1..=3 => {
            dst[0] = src[0];
            dst[n / 2] = src[n / 2];
            dst[n - 1] = src[n - 1];
        }
        4..=7 => {
            dst[..4].copy_from_slice(&src[..4]);
            dst[n - 4..].copy_from_slice(&src[n - 4..]);
        }
        8..=16 => {
            dst[..8].copy_from_slice(&src[..8]);
            dst[n - 8..].copy_from_slice(&src[n - 8..]);
        }
        17..=32 => {
            dst[..16].copy_from_slice(&src[..16]);
            dst[n - 16..].copy_from_slice(&src[n - 16..]);
        }
        _ => dst.copy_from_slice(src),
    }
}

/// Copies `src` into `dst` (of the same length) eight bytes at a time, the last word
/// overlapping the one before, and says whether `hits` set a high bit in any word: one
/// pass for what would otherwise be a scan and a copy.
#[inline(always)]
pub(crate) fn copy_scanning(dst: &mut [u8], src: &[u8], hits: impl Fn(u64) -> u64) -> bool {
    let n = src.len();
    let dst = &mut dst[..n];
    if n < 8 {
        copy_short(dst, src);
        return any_word(src, |w| hits(w) & HIGHS != 0);
    }
    let mut found = 0;
    let mut at = 0;
    loop {
        let from = at.min(n - 8);
        let mut eight = [0u8; 8];
        eight.copy_from_slice(&src[from..from + 8]);
        dst[from..from + 8].copy_from_slice(&eight);
        found |= hits(u64::from_le_bytes(eight));
        at += 8;
        if at >= n {
            return found & HIGHS != 0;
        }
    }
}

/// The sixteen bytes of `bytes` as 32 hex digits, `letters` being `b'A'` or `b'a'`: each
/// byte's two nibbles spread into two bytes, then `'0'` added, and the distance from
/// `'9' + 1` to the first letter added where a nibble is above 9, eight digits at a time.
#[inline]
pub(crate) fn hex16(bytes: &[u8; 16], letters: u8) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (digits, four) in out.chunks_exact_mut(8).zip(bytes.chunks_exact(4)) {
        let mut word = [0u8; 4];
        word.copy_from_slice(four);
        // Byte i of the four moves to byte 2i (little-endian).
        let mut x = u64::from(u32::from_le_bytes(word));
        x = (x | x << 16) & 0x0000_ffff_0000_ffff;
        x = (x | x << 8) & 0x00ff_00ff_00ff_00ff;
        // The high nibble first (the lower byte), the low nibble after it.
        let nibbles = (x >> 4) & 0x000f_000f_000f_000f | (x & 0x000f_000f_000f_000f) << 8;
        // 0x76 + nibble sets the high bit exactly when the nibble is above 9.
        let above_nine = ((nibbles + ONES * 0x76) & HIGHS) >> 7;
        let text = nibbles + ONES * u64::from(b'0') + above_nine * u64::from(letters - b'9' - 1);
        digits.copy_from_slice(&text.to_le_bytes());
    }
    out
}

/// For the word tests' own tests: every byte value in every position of a word of `a`s,
/// as (the byte, its position, the word).
#[cfg(test)]
pub(crate) fn each_byte_in_each_position() -> impl Iterator<Item = (u8, usize, u64)> {
    (0..=255u8).flat_map(|b| {
        (0..8).map(move |position| {
            let mut word = [b'a'; 8];
            word[position] = b;
            (b, position, u64::from_le_bytes(word))
        })
    })
}

/// Hex-encodes `bytes` in `case`.
pub fn hex(bytes: &[u8], case: crate::schema::HexCase) -> String {
    let digits: &[u8; 16] = match case {
        crate::schema::HexCase::Upper => b"0123456789ABCDEF",
        crate::schema::HexCase::Lower => b"0123456789abcdef",
    };
    let mut out = Vec::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(digits[usize::from(b >> 4)]);
        out.push(digits[usize::from(b & 0x0f)]);
    }
    // Only ASCII hex digits were written.
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether `any` finds a lone `x` among `a`s in every position of every length up
    /// to `longest`, and nothing in `a`s alone.
    fn finds_every_x(longest: usize, any: impl Fn(&[u8]) -> bool) {
        for len in 0..=longest {
            assert!(!any(&vec![b'a'; len]), "length {len}");
            for position in 0..len {
                let mut bytes = vec![b'a'; len];
                bytes[position] = b'x';
                assert!(any(&bytes), "x at {position} of {len}");
            }
        }
    }

    #[test]
    fn any_word_sees_every_byte_of_every_length_and_nothing_else() {
        finds_every_x(40, |bytes| {
            any_word(bytes, |w| bytes_equal(w, b'x') & HIGHS != 0)
        });
    }

    #[test]
    fn any_byte_sees_every_byte_of_every_length_and_nothing_else() {
        finds_every_x(140, |bytes| any_byte(bytes, |b| b == b'x'));
    }

    #[test]
    fn alphanumeric_is_the_standard_library_s_for_every_byte() {
        for b in 0..=255u8 {
            assert_eq!(alphanumeric(b), b.is_ascii_alphanumeric(), "byte {b:#x}");
        }
    }

    #[test]
    fn copy_short_copies_every_length_exactly() {
        for len in 0..80 {
            let src: Vec<u8> = (0..len).map(|i| i as u8 ^ 0x5a).collect();
            let mut dst = vec![0xff; len];
            copy_short(&mut dst, &src);
            assert_eq!(dst, src, "length {len}");
        }
    }

    #[test]
    fn copy_scanning_copies_every_length_and_sees_every_position() {
        let has_x = |w: u64| bytes_equal(w, b'x');
        for len in 0..48 {
            let src: Vec<u8> = (0..len).map(|i| b'a' + (i % 20) as u8).collect();
            let mut dst = vec![0; len];
            assert!(!copy_scanning(&mut dst, &src, has_x), "length {len}");
            assert_eq!(dst, src, "length {len}");
            for position in 0..len {
                let mut src = src.clone();
                src[position] = b'x';
                let mut dst = vec![0; len];
                assert!(
                    copy_scanning(&mut dst, &src, has_x),
                    "x at {position} of {len}"
                );
                assert_eq!(dst, src);
            }
        }
    }

    #[test]
    fn hex16_agrees_with_the_formatter_for_every_byte_in_every_position() {
        for b in 0..=255u8 {
            for position in 0..16 {
                let mut bytes = [0x3c; 16];
                bytes[position] = b;
                let expected: String = bytes.iter().map(|b| format!("{b:02X}")).collect();
                assert_eq!(
                    hex16(&bytes, b'A'),
                    expected.as_bytes(),
                    "{b:#x} at {position}"
                );
                let lower = expected.to_ascii_lowercase();
                assert_eq!(
                    hex16(&bytes, b'a'),
                    lower.as_bytes(),
                    "{b:#x} at {position}"
                );
            }
        }
    }

    #[test]
    fn first_hit_finds_the_first_of_every_pair_of_positions_in_every_length() {
        let slash = |w: u64| bytes_equal(w, b'/');
        for len in 0..40 {
            assert_eq!(first_hit(&vec![b'a'; len], slash), None, "length {len}");
            for first in 0..len {
                for second in first..len {
                    let mut bytes = vec![b'a'; len];
                    bytes[first] = b'/';
                    bytes[second] = b'/';
                    assert_eq!(
                        first_hit(&bytes, slash),
                        Some(first),
                        "{first} {second} of {len}"
                    );
                }
            }
        }
        // `.` is `/` ^ 1: the borrow out of a hit marks a `.` above it, never below.
        assert_eq!(first_hit(b"abc/.defgh", slash), Some(3));
        assert_eq!(first_hit(b"abc./defgh", slash), Some(4));
    }
}
