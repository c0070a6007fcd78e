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
}
