//! An encrypted member names a cipher and a declared document: each mistake is reported
//! at the offending type or rule.
use paywire::schema::Format;
use paywire::{Encrypted, MemberCipher, PayObject, PayResponse, VerifyError};

enum Identity {}

impl MemberCipher for Identity {
    type Key = ();
    const FORMAT: Format = Format::Json;
    const NAME: &'static str = "identity";
    fn open(_: &(), text: &str) -> Result<Vec<u8>, VerifyError> {
        Ok(text.as_bytes().to_vec())
    }
    fn seal(_: &(), document: &[u8]) -> Result<String, VerifyError> {
        Ok(String::from_utf8_lossy(document).into_owned())
    }
}

#[derive(PayObject)]
struct Card {
    last4: String,
}

/// The first parameter is not a cipher.
#[derive(PayResponse)]
#[pay(format = "xml", sign = "none")]
struct NotACipher {
    card: Encrypted<String, Card>,
}

/// The document is not a declared object.
#[derive(PayResponse)]
#[pay(format = "xml", sign = "none")]
struct NotADocument {
    card: Encrypted<Identity, String>,
}

/// `range` bounds integers; the member is text.
#[derive(PayResponse)]
#[pay(format = "xml", sign = "none")]
struct RangeOnText {
    #[pay(range = 1..)]
    card: Encrypted<Identity, Card>,
}

fn main() {}
