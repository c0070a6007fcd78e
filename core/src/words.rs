//! Byte-class tests eight bytes at a time (SWAR), for the scans on every request's hot
//! path: XML escaping and the URL check. Each test sets a byte's high bit where it holds
//! (and possibly in bytes above a hit, through the borrow), so "is there any" is exact.

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
    let gathered = if n >= 4 {
        let half = |at: usize| {
            let mut four = [0u8; 4];
            four.copy_from_slice(&bytes[at..at + 4]);
            u64::from(u32::from_le_bytes(four))
        };
        half(0) | half(n - 4) << 32
    } else if n > 0 {
        // Bytes 0, n/2 and n-1 cover every byte of a 1- to 3-byte slice.
        let (a, b, c) = (
            u64::from(bytes[0]),
            u64::from(bytes[n / 2]),
            u64::from(bytes[n - 1]),
        );
        (ONES * a) & !0x00ff_ff00 | b << 8 | c << 16
    } else {
        return false;
    };
    hit(gathered)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_word_sees_every_byte_of_every_length_and_nothing_else() {
        let has_x = |w: u64| bytes_equal(w, b'x') & HIGHS != 0;
        for len in 0..40 {
            assert!(!any_word(&vec![b'a'; len], has_x), "length {len}");
            for position in 0..len {
                let mut bytes = vec![b'a'; len];
                bytes[position] = b'x';
                assert!(any_word(&bytes, has_x), "x at {position} of {len}");
            }
        }
    }
}
