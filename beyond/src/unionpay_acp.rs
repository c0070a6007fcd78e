//! UnionPay's full-channel gateway (全渠道, "ACP"), version 5.1.0 with `signMethod=01`:
//! the asynchronous notification of a payment, verified with UnionPay's signing key.
//!
//! UnionPay signs every member it sends, **empty ones included** (its SDK joins the
//! received map without leaving any out), so the declaration says
//! `sign_empty = "keep"`: a verifier that skipped an empty `reqReserved=` would refuse
//! UnionPay's genuine notification and the payment would never be applied.

use paywire::keys::PublicKey;
use paywire::schema::HexCase;
use paywire::sign::{hex, Members, Verify};
use paywire::{Fen, PayResponse};
use sha2::{Digest, Sha256};

/// ACP 5.1.0 `signMethod=01`: the sorted `k=v&k=v` of every member except `signature`,
/// SHA-256 of it as lower-case hex, and that hex text verified with SHA256withRSA
/// (PKCS#1 v1.5, base64) under UnionPay's signing key.
///
/// The key is the one of the signing certificate UnionPay gives the merchant (its PEM
/// through `PublicKey::from_certificate_pem`), pinned in the merchant's configuration.
/// The certificate that travels in `signPubKeyCert` is not trusted by itself: UnionPay's
/// SDK first checks its chain to the China Financial CA root, which this type does not do.
pub struct AcpSha256WithRsa;

impl Verify for AcpSha256WithRsa {
    type Key = PublicKey;

    fn verify(members: &Members<'_>, signature: &str, key: &PublicKey) -> bool {
        let digest = hex(
            &Sha256::digest(members.to_sorted_string().as_bytes()),
            HexCase::Lower,
        );
        key.verify_base64(digest.as_bytes(), signature).is_ok()
    }
}

/// The notification UnionPay posts to `backUrl` (form-encoded) when a consumption
/// transaction (`txnType=01`) completes. Members not declared here travel and are signed
/// like the rest.
#[derive(Debug, Clone, PayResponse)]
#[pay(
    format = "form",
    sign = custom(AcpSha256WithRsa),
    sign_field = "signature",
    sign_empty = "keep"
)]
pub struct AcpNotify {
    /// The protocol version.
    #[pay(one_of("5.1.0"))]
    pub version: String,
    /// `01`: RSA with the certificate named in `signPubKeyCert`.
    #[pay(rename = "signMethod", one_of("01"))]
    pub sign_method: String,
    /// The transaction type: `01` consumption.
    #[pay(rename = "txnType", len = 2)]
    pub txn_type: String,
    /// The merchant number UnionPay assigned.
    #[pay(rename = "merId", len = 15)]
    pub mer_id: String,
    /// The merchant's order number.
    #[pay(rename = "orderId", len = 8..=40)]
    pub order_id: String,
    /// When the merchant sent the order, `YYYYMMDDhhmmss`.
    #[pay(rename = "txnTime", compact_time)]
    pub txn_time: String,
    /// The amount in fen.
    #[pay(rename = "txnAmt")]
    pub txn_amt: Fen,
    /// UnionPay's transaction number.
    #[pay(rename = "queryId", len = 21)]
    pub query_id: String,
    /// `00` when the payment succeeded.
    #[pay(rename = "respCode", len = 2)]
    pub resp_code: String,
    /// Passed back as the merchant sent it; may be present and empty.
    #[pay(rename = "reqReserved")]
    pub req_reserved: Option<String>,
}

impl AcpNotify {
    /// Whether the notification reports a completed payment (`respCode` `00`).
    pub fn is_paid(&self) -> bool {
        self.resp_code == "00"
    }
}
