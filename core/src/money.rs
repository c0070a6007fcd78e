//! Money as integers: [`Fen`] (分) and its two-decimal yuan rendering [`Yuan`].
//!
//! No float is involved anywhere: a gateway that wants `"50.00"` gets it from integer
//! arithmetic, and parsing `"50.00"` back is exact or an error.

use std::fmt;
use std::str::FromStr;

/// An amount in fen (1/100 yuan), the unit WeChat-family gateways use for `total_fee`.
/// It travels as a JSON number or decimal digits in XML and forms; read from JSON, a
/// string of digits alone (`"990"`) is accepted too, and nothing else in quotes.
///
/// ```
/// use paywire::Fen;
/// let price = Fen::new(5000);
/// assert_eq!(price.to_yuan_string(), "50.00");
/// assert_eq!(Fen::from_yuan_str("0.01").unwrap(), Fen::new(1));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Fen(u64);

impl Fen {
    /// An amount of `fen` fen.
    pub const fn new(fen: u64) -> Self {
        Fen(fen)
    }

    /// The amount in fen.
    pub const fn get(self) -> u64 {
        self.0
    }

    /// `yuan` whole yuan, or `None` if that overflows.
    pub const fn from_yuan(yuan: u64) -> Option<Self> {
        match yuan.checked_mul(100) {
            Some(f) => Some(Fen(f)),
            None => None,
        }
    }

    /// The amount as yuan with exactly two decimals: `Fen::new(5)` → `"0.05"`.
    pub fn to_yuan_string(self) -> String {
        Yuan(self).to_string()
    }

    /// Parses yuan written with at most two decimals (`"50"`, `"50.0"`, `"50.00"`).
    /// Signs, exponents, spaces, a third decimal and overflow are refused: a third decimal
    /// would have to be rounded away, and money is never rounded silently.
    pub fn from_yuan_str(s: &str) -> Result<Self, MoneyError> {
        let (whole, frac) = match s.split_once('.') {
            Some((w, f)) => (w, Some(f)),
            None => (s, None),
        };
        let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
        if !digits(whole) {
            return Err(MoneyError::NotYuan);
        }
        let frac_fen = match frac {
            None => 0,
            Some(f) if !digits(f) => return Err(MoneyError::NotYuan),
            Some(f) if f.len() > 2 => return Err(MoneyError::TooPrecise),
            Some(f) if f.len() == 1 => u64::from(f.as_bytes()[0] - b'0') * 10,
            Some(f) => u64::from(f.as_bytes()[0] - b'0') * 10 + u64::from(f.as_bytes()[1] - b'0'),
        };
        let whole: u64 = whole.parse().map_err(|_| MoneyError::Overflow)?;
        whole
            .checked_mul(100)
            .and_then(|f| f.checked_add(frac_fen))
            .map(Fen)
            .ok_or(MoneyError::Overflow)
    }
}

impl From<u32> for Fen {
    fn from(fen: u32) -> Self {
        Fen(u64::from(fen))
    }
}

impl fmt::Display for Fen {
    /// Displays the integer fen, as it travels on the wire.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// An amount that travels as a yuan string with two decimals (XorPay's `price: "50.00"`),
/// held as integer [`Fen`].
///
/// ```
/// use paywire::{Fen, Yuan};
/// assert_eq!(Yuan::from(Fen::new(1)).to_string(), "0.01");
/// assert_eq!("12.30".parse::<Yuan>().unwrap().fen(), Fen::new(1230));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Yuan(pub Fen);

impl Yuan {
    /// The amount in fen.
    pub const fn fen(self) -> Fen {
        self.0
    }
}

impl From<Fen> for Yuan {
    fn from(fen: Fen) -> Self {
        Yuan(fen)
    }
}

impl fmt::Display for Yuan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let fen = self.0.get();
        write!(f, "{}.{:02}", fen / 100, fen % 100)
    }
}

impl FromStr for Yuan {
    type Err = MoneyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Fen::from_yuan_str(s).map(Yuan)
    }
}

/// Why a yuan string was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    /// Not digits with an optional `.` and decimals.
    #[error("not a yuan amount: write digits with at most two decimals, such as 50.00")]
    NotYuan,
    /// More than two decimals.
    #[error("more than two decimals: a fen is the smallest unit, write at most two decimals")]
    TooPrecise,
    /// Does not fit in 64-bit fen.
    #[error("amount too large")]
    Overflow,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yuan_renders_exactly() {
        for (fen, s) in [
            (0, "0.00"),
            (1, "0.01"),
            (10, "0.10"),
            (5000, "50.00"),
            (123_456, "1234.56"),
        ] {
            assert_eq!(Fen::new(fen).to_yuan_string(), s);
            assert_eq!(Fen::from_yuan_str(s), Ok(Fen::new(fen)));
        }
        assert_eq!(Fen::new(u64::MAX).to_yuan_string(), "184467440737095516.15");
        assert_eq!(
            Fen::from_yuan_str("184467440737095516.15"),
            Ok(Fen::new(u64::MAX))
        );
    }

    #[test]
    fn yuan_parsing_refuses_what_it_would_have_to_round_or_guess() {
        assert_eq!(Fen::from_yuan_str("50"), Ok(Fen::new(5000)));
        assert_eq!(Fen::from_yuan_str("50.5"), Ok(Fen::new(5050)));
        assert_eq!(Fen::from_yuan_str("0.001"), Err(MoneyError::TooPrecise));
        assert_eq!(
            Fen::from_yuan_str("184467440737095516.16"),
            Err(MoneyError::Overflow)
        );
        assert_eq!(
            Fen::from_yuan_str("99999999999999999999"),
            Err(MoneyError::Overflow)
        );
        for bad in [
            "", ".", "1.", ".5", "-1.00", "+1", "1e2", " 1.00", "1,00", "１.00", "NaN",
        ] {
            assert_eq!(Fen::from_yuan_str(bad), Err(MoneyError::NotYuan), "{bad:?}");
        }
    }
}
