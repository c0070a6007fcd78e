//! Notification verification speed, next to its floor measured in the same run: a
//! SwiftPass payment notification (13 members, MD5) through `verify_notification` and
//! `payment()` — strict XML, the signature, every declared rule, the typed value and the
//! ledger's payment — against a hand-written verifier of the same body that does only
//! the unavoidable: read the elements with quick-xml borrowing the body, sort them, join
//! `k=v&...&key=`, MD5, compare.
//!
//! Through `paywire-axum` the verification is what stands between a notification endpoint
//! and the fixed answer (`axum-notify/benches/throughput.sh`, `verify`): this bench says
//! how much of it is the floor. Run: `cargo bench -p paywire-providers --bench notifications`.

mod interleave;
mod swiftpass_floor;
mod swiftpass_sample;

use criterion::{criterion_group, Criterion};
use paywire::Secret;
use paywire_providers::swiftpass::{self, VerifyKey};
use std::hint::black_box;
use std::time::Duration;
use swiftpass_floor::floor;
use swiftpass_sample::{notification, KEY};

fn paywire(body: &[u8], key: &VerifyKey) -> Option<paywire::ledger::Payment> {
    swiftpass::verify_notification(body, key)
        .ok()?
        .value
        .payment()
}

fn benches(c: &mut Criterion) {
    let body = notification();
    let key = VerifyKey::Md5(Secret::new(KEY));
    assert!(paywire(&body, &key).is_some() && floor(&body, KEY));
    let mut group = c.benchmark_group("notifications");
    group.bench_function("paywire/swiftpass", |b| {
        b.iter(|| paywire(black_box(&body), &key))
    });
    group.bench_function("floor/swiftpass", |b| {
        b.iter(|| floor(black_box(&body), KEY))
    });
    group.finish();
}

fn summary() {
    let body = notification();
    let key = VerifyKey::Md5(Secret::new(KEY));
    let best = interleave::best_micros(
        15,
        2000,
        &mut [
            &mut || {
                black_box(paywire(black_box(&body), &key));
            },
            &mut || {
                black_box(floor(black_box(&body), KEY));
            },
        ],
    );
    println!(
        "\nswiftpass notification verify + payment {:.2} us | floor (borrowed elements, sort, MD5) {:.2} us ({:.2}x)",
        best[0],
        best[1],
        best[0] / best[1]
    );
}

criterion_group! {
    name = groups;
    config = Criterion::default().warm_up_time(Duration::from_millis(300)).measurement_time(Duration::from_secs(1));
    targets = benches
}

fn main() {
    groups();
    Criterion::default().final_summary();
    summary();
}
