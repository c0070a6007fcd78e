//! `paywire sign ENDPOINT`: validate, sign and encode a request given as JSON keyed by the
//! gateway document's wire names, through the endpoint's registry entry. Secrets are
//! never printed: the sign string shows the key as `***`.

pub use paywire_providers::registry::{SignFailure, SignOptions};

#[cfg(test)]
mod tests {
    use paywire_providers::registry::{Credentials, SignFailure, SignOptions, VerifyOptions};
    use paywire_providers::GATEWAYS;
    use std::collections::HashSet;

    #[test]
    fn every_name_is_gateway_slash_name_and_appears_once() {
        let names = GATEWAYS.names();
        let unique: HashSet<&str> = names.iter().copied().collect();
        assert_eq!(unique.len(), names.len(), "{names:?}");
        for name in &names {
            let (gateway, rest) = name.split_once('/').expect(name);
            assert!(GATEWAYS.gateway(gateway).is_some(), "{name}");
            assert!(!rest.is_empty() && !rest.contains('/'));
        }
        assert_eq!(GATEWAYS.endpoints().count(), 22);
        assert_eq!(GATEWAYS.messages().count(), 17);
    }

    #[test]
    fn an_unknown_name_lists_every_known_one() {
        let endpoint = GATEWAYS.endpoint("swiftpass/wapp").err().unwrap();
        for e in GATEWAYS.endpoints() {
            assert!(endpoint.contains(e.name), "{endpoint}");
        }
        let message = GATEWAYS.message("xorpay/notice").err().unwrap();
        for m in GATEWAYS.messages() {
            assert!(message.contains(m.name), "{message}");
        }
        assert_eq!(
            GATEWAYS.endpoint("swiftpass/wap").unwrap().name,
            "swiftpass/wap"
        );
    }

    #[test]
    fn every_endpoint_reports_an_empty_order_field_by_field_before_asking_for_keys() {
        for endpoint in GATEWAYS.endpoints() {
            let failure = (endpoint.sign)(endpoint.name, b"{}", &SignOptions::default());
            let Err(SignFailure::Invalid(problems)) = failure else {
                panic!("{}: {failure:?}", endpoint.name);
            };
            assert!(!problems.is_empty(), "{}", endpoint.name);
            // A table whose members are all alternatives (weidoufu's query: one of two
            // order numbers) is reported as the choice missing.
            let choice_missing = problems.iter().any(|p| p["rule"] == "group");
            assert!(
                choice_missing
                    || endpoint.schema.fields.iter().any(|f| problems
                        .iter()
                        .any(|p| p["path"] == format!("#/{}", f.wire_name))),
                "{}: {problems:?}",
                endpoint.name
            );
        }
    }

    #[test]
    fn every_message_without_its_key_is_a_usage_error_not_a_forgery() {
        for message in GATEWAYS.messages() {
            let options = VerifyOptions {
                credentials: Credentials::default(),
                ..VerifyOptions::default()
            };
            let outcome = (message.verify)(b"{}", &options);
            assert_eq!(outcome.code, 2, "{}: {}", message.name, outcome.report);
            assert_eq!(outcome.report["valid"], false);
        }
    }
}
