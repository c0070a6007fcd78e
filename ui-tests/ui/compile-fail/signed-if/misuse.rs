use paywire::{PayObject, PayRequest, PayResponse};

// A request is always signed: it has no unsigned failure form.
#[derive(PayRequest)]
#[pay(format = "xml", sign = "md5-sorted", signed_if(status = "0"))]
struct Query {
    status: String,
}

// A nested object travels inside its parent's body.
#[derive(PayObject)]
#[pay(signed_if(status = "0"))]
struct Inner {
    status: String,
}

// Under `sign = "none"` nothing is signed.
#[derive(PayResponse)]
#[pay(format = "xml", sign = "none", signed_if(status = "0"))]
struct Plain {
    status: String,
}

// The member must be a field of the struct.
#[derive(PayResponse)]
#[pay(format = "xml", sign = "md5-sorted", signed_if(stauts = "0"))]
struct Misspelt {
    status: String,
}

// A value the member can never hold would leave every message unsigned.
#[derive(PayResponse)]
#[pay(format = "xml", sign = "md5-sorted", signed_if(return_code = "OK"))]
struct NeverSigned {
    #[pay(one_of("SUCCESS", "FAIL"))]
    return_code: String,
}

// Declared once.
#[derive(PayResponse)]
#[pay(
    format = "xml",
    sign = "md5-sorted",
    signed_if(status = "0"),
    signed_if(status = "1")
)]
struct Twice {
    status: String,
}

fn main() {}
