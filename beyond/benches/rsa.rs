//! RSA2 request speed: paywire's `to_body` of an Alipay-sized request (validate, sorted
//! string, SHA256withRSA, form encoding) next to the floor measured in the same run, the
//! key signing the same canonical string alone. Then a summary prints the ratio; compare
//! the floor with `openssl speed rsa2048` on the same machine. Run:
//! `cargo bench -p paywire-beyond --bench rsa`.

#[path = "../../providers/benches/interleave.rs"]
mod interleave;

use criterion::{criterion_group, Criterion};
use paywire::keys::MerchantKey;
use paywire::PayRequest;
use paywire_beyond::alipay::TradeQuery;
use std::hint::black_box;
use std::time::Duration;

const KEY: &str = include_str!("../tests/fixtures/alipay-sdk-app-private-key.pem");

fn query() -> TradeQuery {
    TradeQuery::example()
}

fn benches(c: &mut Criterion) {
    let key = MerchantKey::from_pem(KEY).unwrap();
    let request = query();
    let canonical = request.sign_string_redacted().into_bytes();
    let mut group = c.benchmark_group("alipay_rsa2");
    group.bench_function("paywire/to_body", |b| {
        b.iter(|| black_box(&request).to_body(&key))
    });
    group.bench_function("floor/sign", |b| {
        b.iter(|| key.sign_base64(black_box(&canonical)))
    });
    group.finish();
}

fn summary() {
    let key = MerchantKey::from_pem(KEY).unwrap();
    let request = query();
    let canonical = request.sign_string_redacted().into_bytes();
    let best = interleave::best_micros(
        15,
        200,
        &mut [
            &mut || {
                black_box(black_box(&request).to_body(&key).ok());
            },
            &mut || {
                black_box(key.sign_base64(black_box(&canonical)));
            },
        ],
    );
    println!(
        "\nalipay RSA2 to_body {:.0} us | floor (sign alone) {:.0} us ({:.2}x) | canonical {} bytes",
        best[0],
        best[1],
        best[0] / best[1],
        canonical.len()
    );
}

criterion_group! {
    name = groups;
    config = Criterion::default().warm_up_time(Duration::from_millis(300)).measurement_time(Duration::from_secs(2));
    targets = benches
}

fn main() {
    groups();
    Criterion::default().final_summary();
    summary();
}
