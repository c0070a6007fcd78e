//! A sign type chosen at run time by the `sign_type` member, on one struct
//! (`sign = custom(paywire::sign::SignType)` / `custom(paywire::sign::SignTypeVerify)`):
//! WeChat Pay v2's document example under `MD5` and `HMAC-SHA256` (`vectors.json`, both
//! recomputed by `fixtures/vectors.py` with Python's standard library), SwiftPass's
//! `RSA_1_256` request (`fixtures/wechat_v3.py`, Python's `cryptography`), a request whose
//! `sign_type` names another algorithm than its key refused before signing, and no
//! downgrade on the received side.

use paywire::keys::{MerchantKey, PublicKey};
use paywire::sign::{
    KeyTypeVerify, Members, Scheme, SignType, SignTypeKey, SignTypeVerify, SignTypeVerifyKey,
    Verify,
};
use paywire::{Error, PayRequest, Secret};
use paywire_tests::{rsa_fixtures, vector};

/// WeChat Pay v2's signing example with its `sign_type`, one struct for every type.
#[derive(Debug, Clone, PayRequest)]
#[pay(format = "xml", sign = custom(paywire::sign::SignType))]
struct Example {
    appid: String,
    mch_id: String,
    device_info: Option<String>,
    body: String,
    nonce_str: String,
    #[pay(one_of("MD5", "HMAC-SHA256", "RSA_1_256"))]
    sign_type: Option<String>,
}

fn example(sign_type: Option<&str>) -> Example {
    let input = &vector("wechat_v2_doc_md5")["input"];
    let text = |name: &str| input[name].as_str().unwrap().to_owned();
    Example {
        appid: text("appid"),
        mch_id: text("mch_id"),
        device_info: Some(text("device_info")),
        body: text("body"),
        nonce_str: text("nonce_str"),
        sign_type: sign_type.map(str::to_owned),
    }
}

fn secret(name: &str) -> Secret {
    Secret::new(vector(name)["secret"].as_str().unwrap())
}

#[test]
fn md5_is_the_default_and_reproduces_the_document() {
    let v = vector("wechat_v2_doc_md5");
    let key = SignTypeKey::Md5(secret("wechat_v2_doc_md5"));
    assert_eq!(example(None).signature(&key), v["signature"]);
    assert!(example(None).to_body(&key).is_ok());
}

#[test]
fn hmac_sha256_reproduces_the_document() {
    // The document signs the example without a sign_type member: the scheme's digest
    // over those members is its published value.
    let v = vector("wechat_v2_doc_hmac");
    let input = &v["input"];
    let members = Members::new(
        ["appid", "mch_id", "device_info", "body", "nonce_str"]
            .map(|n| (n, input[n].as_str().unwrap())),
    );
    let key = SignTypeKey::HmacSha256(secret("wechat_v2_doc_hmac"));
    assert_eq!(SignType::sign(&members, &key), v["signature"]);
    // A request carries its type: signed with HMAC-SHA256 once it says so.
    let request = example(Some("HMAC-SHA256"));
    let body = request.to_body(&key).unwrap();
    assert!(body.as_str().contains("<sign_type>HMAC-SHA256</sign_type>"));
}

#[test]
fn rsa_1_256_reproduces_the_independent_signer() {
    let f = rsa_fixtures();
    let v = &f["swiftpass_rsa_request"];
    let fields = v["fields"].as_object().unwrap();
    let members = Members::new(
        fields
            .iter()
            .map(|(k, value)| (k.as_str(), value.as_str().unwrap())),
    );
    assert_eq!(members.to_sorted_string(), v["sign_string"]);
    let private =
        MerchantKey::from_pem(f["merchant"]["private_key_pkcs8"].as_str().unwrap()).unwrap();
    let signature = SignType::sign(&members, &SignTypeKey::Rsa(private));
    assert_eq!(signature, v["signature"]);
    let public = PublicKey::from_pem(f["merchant"]["public_key"].as_str().unwrap()).unwrap();
    assert!(SignTypeVerify::verify(
        &members,
        &signature,
        &SignTypeVerifyKey::Rsa(public)
    ));
}

#[test]
fn a_sign_type_that_is_not_the_key_s_is_refused_before_signing() {
    let hmac = SignTypeKey::HmacSha256(secret("wechat_v2_doc_hmac"));
    for (named, key) in [
        (None, &hmac),
        (Some("MD5"), &hmac),
        (
            Some("HMAC-SHA256"),
            &SignTypeKey::Md5(secret("wechat_v2_doc_md5")),
        ),
    ] {
        match example(named).to_body(key) {
            Err(Error::Sign(reason)) => {
                assert!(reason.contains(key.sign_type()), "{reason}")
            }
            other => panic!("{named:?}: {other:?}"),
        }
    }
}

#[test]
fn a_received_message_is_checked_under_the_configured_type_only() {
    let v = vector("wechat_v2_doc_md5");
    let input = &v["input"];
    let pairs = |sign_type: Option<&'static str>| {
        let mut pairs: Vec<(&str, &str)> = ["appid", "mch_id", "device_info", "body", "nonce_str"]
            .iter()
            .map(|n| (*n, input[*n].as_str().unwrap()))
            .collect();
        pairs.extend(sign_type.map(|t| ("sign_type", t)));
        pairs
    };
    let md5 = SignTypeVerifyKey::Md5(secret("wechat_v2_doc_md5"));
    let signature = v["signature"].as_str().unwrap();
    assert!(SignTypeVerify::verify(
        &Members::new(pairs(None)),
        signature,
        &md5
    ));
    assert!(!SignTypeVerify::verify(
        &Members::new(pairs(None)),
        "9A0A8659F005D6984697E2CA0A9CF3B8",
        &md5
    ));
    // A merchant configured for HMAC-SHA256 accepts no MD5 message, even one whose
    // MD5 signature is right: the message does not choose the algorithm.
    let hmac = SignTypeVerifyKey::HmacSha256(secret("wechat_v2_doc_hmac"));
    assert!(!SignTypeVerify::verify(
        &Members::new(pairs(None)),
        signature,
        &hmac
    ));
    let hmac_signed = vector("wechat_v2_doc_hmac")["signature"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(!SignTypeVerify::verify(
        &Members::new(pairs(None)),
        &hmac_signed,
        &hmac
    ));
    // Its own type named, the HMAC signature over the members that include it verifies.
    let with_type = Members::new(pairs(Some("HMAC-SHA256")));
    let signed = SignType::sign(
        &with_type,
        &SignTypeKey::HmacSha256(secret("wechat_v2_doc_hmac")),
    );
    assert!(SignTypeVerify::verify(&with_type, &signed, &hmac));
    assert!(!SignTypeVerify::verify(&with_type, &signed, &md5));
}

/// WeChat Pay v2's answers name no `sign_type` and are signed as their request was:
/// `KeyTypeVerify` checks them under the configured key's algorithm only. The document's
/// example, without a `sign_type` member, is its published MD5 and HMAC-SHA256 vector.
#[test]
fn an_answer_naming_no_sign_type_is_checked_under_the_key_s_algorithm() {
    let input = &vector("wechat_v2_doc_md5")["input"];
    let pairs = |extra: Option<(&'static str, &'static str)>| {
        let mut pairs: Vec<(&str, &str)> = ["appid", "mch_id", "device_info", "body", "nonce_str"]
            .iter()
            .map(|n| (*n, input[*n].as_str().unwrap()))
            .collect();
        pairs.extend(extra);
        Members::new(pairs)
    };
    let md5 = SignTypeVerifyKey::Md5(secret("wechat_v2_doc_md5"));
    let hmac = SignTypeVerifyKey::HmacSha256(secret("wechat_v2_doc_hmac"));
    let md5_signed = "9A0A8659F005D6984697E2CA0A9CF3B7";
    let hmac_signed = "6A9AE1657590FD6257D693A078E1C3E4BB6BA4DC30B23E0EE2496E54170DACD6";
    assert!(KeyTypeVerify::verify(&pairs(None), md5_signed, &md5));
    assert!(KeyTypeVerify::verify(&pairs(None), hmac_signed, &hmac));
    // The other algorithm's signature never passes: the key, not the message, decides.
    assert!(!KeyTypeVerify::verify(&pairs(None), md5_signed, &hmac));
    assert!(!KeyTypeVerify::verify(&pairs(None), hmac_signed, &md5));
    // SignTypeVerify reads the absent member as MD5, so it refuses the HMAC answer.
    assert!(!SignTypeVerify::verify(&pairs(None), hmac_signed, &hmac));
    // A message that names a sign type must name the key's.
    let named_md5 = pairs(Some(("sign_type", "MD5")));
    let signed = SignType::sign(
        &named_md5,
        &SignTypeKey::HmacSha256(secret("wechat_v2_doc_hmac")),
    );
    assert!(!KeyTypeVerify::verify(&named_md5, &signed, &hmac));
}
