//! Generated code must not depend on the prelude: shadow what it could name, and deny
//! every warning, including on the generated impls.
#![deny(warnings)]
#![allow(dead_code)]

#[allow(unused_imports)]
use paywire::{PayObject, PayRequest};

type Result = ();
type Option = ();
type String = ();
type Vec = ();
struct Ok;
struct Err;
struct Some;
struct None;
struct Box;

#[derive(paywire::PayObject)]
struct Amount {
    #[pay(range = 1..)]
    total: u64,
    currency: std::string::String,
}

/// A request whose derive expands next to the shadowed names.
#[derive(paywire::PayRequest)]
#[pay(format = "json", sign = "hmac-sha256-sorted", constant(version = "1.0"))]
struct Order {
    #[pay(len = 1..=32)]
    out_trade_no: std::string::String,
    #[pay(required_if(out_trade_no = "x"), group = "a")]
    openid: core::option::Option<std::string::String>,
    amount: Amount,
    items: std::vec::Vec<Amount>,
}

fn main() {}
