//! What a verified notification says was paid, and the check against the merchant's own
//! order before anything is applied.

use super::OrderKey;
use crate::money::Fen;

/// A payment reported by a verified notification: the order it is for and what was paid.
/// Gateways' notification types build it (`notification.payment()`) only when the
/// notification reports a successful payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payment {
    /// The merchant's order (gateway + the merchant's order number).
    pub key: OrderKey,
    /// The merchant's order number as notified.
    pub order: String,
    /// The amount paid for the order, in fen (the order's amount, not a discounted payer
    /// amount).
    pub amount: Fen,
    /// The currency, where the gateway names one (`HKD`, `CNY`).
    pub currency: Option<String>,
    /// The gateway's own order or transaction id, as notified.
    pub gateway_order: Option<String>,
    /// What [`Payment::check`] refuses to leave unchecked for this gateway: the merchant's
    /// order must name it in [`Expected`].
    pub must_match: MustMatch,
}

/// What a gateway's payments must be checked against besides the amount, because the
/// amount alone does not tie a notification to the order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MustMatch {
    /// The gateway's order id returned when the order was placed: XorPay signs its
    /// members concatenated without separators, so a signed notification can be re-split
    /// into another order number and amount; only its `aoid` ties it to the order.
    pub gateway_order: bool,
    /// The currency: a gateway that settles in several currencies (WeChat Pay Global)
    /// can notify the same number of another currency's units.
    pub currency: bool,
}

/// What the merchant knows of its order before the notification arrives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expected<'a> {
    /// The amount the order was placed for.
    pub amount: Fen,
    /// The currency it was placed in, where the gateway has one.
    pub currency: Option<&'a str>,
    /// The gateway's id for the order, where the gateway returned one when it was placed
    /// (XorPay's `aoid`).
    pub gateway_order: Option<&'a str>,
}

/// A verified notification that does not match the merchant's order: never apply it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Mismatch {
    /// Another amount than the order's.
    #[error("{key}: notified amount {notified} fen, the order is for {expected} fen")]
    Amount {
        /// The order.
        key: String,
        /// The order's amount.
        expected: Fen,
        /// The notified amount.
        notified: Fen,
    },
    /// Another currency than the order's, or none where the order has one.
    #[error("{key}: notified currency {notified:?}, the order is in {expected}")]
    Currency {
        /// The order.
        key: String,
        /// The order's currency.
        expected: String,
        /// The notified currency.
        notified: Option<String>,
    },
    /// The gateway's payments must be checked against something the merchant's order
    /// does not name (see [`MustMatch`]): keep it when placing the order.
    #[error("{key}: {needed} must be checked for this gateway, and the merchant's order does not name it; keep it when the order is placed")]
    NotKnown {
        /// The order.
        key: String,
        /// What the order must name.
        needed: &'static str,
    },
    /// Another gateway order id than the one the gateway gave when the order was placed.
    #[error("{key}: notified gateway order {notified:?}, the order was placed as {expected}")]
    GatewayOrder {
        /// The order.
        key: String,
        /// The id returned when the order was placed.
        expected: String,
        /// The notified id.
        notified: Option<String>,
    },
}

impl Payment {
    /// Checks the payment against everything the merchant knows of its order: amount,
    /// currency and the gateway's order id. A notification that is authentic but does
    /// not match (another order's amount, a re-split of a signed message) is refused.
    pub fn check(&self, expected: &Expected<'_>) -> Result<(), Mismatch> {
        let key = || self.key.to_string();
        if self.amount != expected.amount {
            return Err(Mismatch::Amount {
                key: key(),
                expected: expected.amount,
                notified: self.amount,
            });
        }
        let not_known = |needed| Mismatch::NotKnown { key: key(), needed };
        if self.must_match.currency && expected.currency.is_none() {
            return Err(not_known("the currency"));
        }
        if self.must_match.gateway_order && expected.gateway_order.is_none() {
            return Err(not_known(
                "the gateway's order id returned when it was placed",
            ));
        }
        if let Some(currency) = expected.currency {
            if self.currency.as_deref() != Some(currency) {
                return Err(Mismatch::Currency {
                    key: key(),
                    expected: currency.to_owned(),
                    notified: self.currency.clone(),
                });
            }
        }
        if let Some(id) = expected.gateway_order {
            if self.gateway_order.as_deref() != Some(id) {
                return Err(Mismatch::GatewayOrder {
                    key: key(),
                    expected: id.to_owned(),
                    notified: self.gateway_order.clone(),
                });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn payment() -> Payment {
        Payment {
            key: OrderKey::new("wechat-global", "A1"),
            order: "A1".into(),
            amount: Fen::new(100),
            currency: Some("HKD".into()),
            gateway_order: Some("4200".into()),
            must_match: MustMatch::default(),
        }
    }

    #[test]
    fn every_known_identity_must_match() {
        let p = payment();
        let exact = Expected {
            amount: Fen::new(100),
            currency: Some("HKD"),
            gateway_order: Some("4200"),
        };
        assert_eq!(p.check(&exact), Ok(()));
        let unknown = Expected {
            currency: None,
            gateway_order: None,
            ..exact
        };
        assert_eq!(
            p.check(&unknown),
            Ok(()),
            "what the merchant does not know is not checked"
        );
        let amount = Expected {
            amount: Fen::new(101),
            ..exact
        };
        assert!(matches!(p.check(&amount), Err(Mismatch::Amount { .. })));
        let currency = Expected {
            currency: Some("CNY"),
            ..exact
        };
        assert!(matches!(p.check(&currency), Err(Mismatch::Currency { .. })));
        let id = Expected {
            gateway_order: Some("4201"),
            ..exact
        };
        let err = p.check(&id).unwrap_err();
        assert!(err.to_string().contains("wechat-global:A1"), "{err}");
        let none = Payment {
            currency: None,
            gateway_order: None,
            ..payment()
        };
        assert!(matches!(none.check(&exact), Err(Mismatch::Currency { .. })));
        let none = Payment {
            gateway_order: None,
            ..payment()
        };
        assert!(matches!(
            none.check(&exact),
            Err(Mismatch::GatewayOrder { .. })
        ));
    }

    #[test]
    fn what_a_gateway_must_match_cannot_be_left_unknown() {
        let unknown = Expected {
            amount: Fen::new(100),
            currency: None,
            gateway_order: None,
        };
        let needs_id = Payment {
            must_match: MustMatch {
                gateway_order: true,
                currency: false,
            },
            ..payment()
        };
        let err = needs_id.check(&unknown).unwrap_err();
        assert!(matches!(err, Mismatch::NotKnown { .. }), "{err:?}");
        assert!(err.to_string().contains("order id"), "{err}");
        let known = Expected {
            gateway_order: Some("4200"),
            ..unknown
        };
        assert_eq!(needs_id.check(&known), Ok(()));
        let needs_currency = Payment {
            must_match: MustMatch {
                gateway_order: false,
                currency: true,
            },
            ..payment()
        };
        assert!(matches!(
            needs_currency.check(&known),
            Err(Mismatch::NotKnown {
                needed: "the currency",
                ..
            })
        ));
        let with_currency = Expected {
            currency: Some("HKD"),
            ..known
        };
        assert_eq!(needs_currency.check(&with_currency), Ok(()));
    }
}
