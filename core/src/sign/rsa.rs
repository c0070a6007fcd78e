//! `rsa-sha256-sorted`: the sorted string with no key suffix, SHA256withRSA (PKCS#1
//! v1.5), standard base64 (Alipay `RSA2`, SwiftPass `RSA_1_256`).

use super::{writer, SignWriter, Signature, Signing};
use crate::keys::MerchantKey;
use crate::schema::SignSpec;
use crate::value::FieldAccess;

/// `rsa-sha256-sorted`, signed with the merchant's private key.
pub struct RsaSha256;

impl Signing for RsaSha256 {
    type Key = MerchantKey;

    fn sign(
        spec: &SignSpec,
        _: &dyn FieldAccess,
        write: &dyn Fn(&mut SignWriter) -> usize,
        key: &MerchantKey,
    ) -> Signature {
        let text = writer::sign_string(spec, "", write);
        Signature::Text(key.sign_base64(text.as_bytes()))
    }

    fn sign_string(
        spec: &SignSpec,
        _: &dyn FieldAccess,
        write: &dyn Fn(&mut SignWriter) -> usize,
        _: Option<&MerchantKey>,
    ) -> String {
        // No secret is part of the string.
        writer::sign_string(spec, "", write)
    }
}
