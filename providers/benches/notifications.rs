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

use criterion::{criterion_group, Criterion};
use md5::{Digest, Md5};
use paywire::Secret;
use paywire_providers::swiftpass::{self, VerifyKey};
use std::hint::black_box;
use std::time::Duration;
use swiftpass_floor::{floor, hex_upper};

const KEY: &str = "61307e5f2aebcacecbcca6fe5296df9c";

/// A paid notification as the sandbox sends it, signed with [`KEY`].
fn notification() -> Vec<u8> {
    let members = [
        ("charset", "UTF-8"),
        ("mch_id", "7551000001"),
        ("nonce_str", "9a2f1c3b8e7d4a6b"),
        ("out_trade_no", "T20240301000001"),
        ("pay_result", "0"),
        ("result_code", "0"),
        ("sign_type", "MD5"),
        ("status", "0"),
        ("time_end", "20240301120000"),
        ("total_fee", "100"),
        ("transaction_id", "42000000000000000000000000000001"),
        ("version", "2.0"),
    ];
    let joined: Vec<String> = members.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let signed = format!("{}&key={KEY}", joined.join("&"));
    let sign = hex_upper(&Md5::digest(signed.as_bytes()));
    let mut xml = String::from("<xml>");
    for (k, v) in members {
        xml += &format!("<{k}><![CDATA[{v}]]></{k}>");
    }
    xml += &format!("<sign><![CDATA[{sign}]]></sign></xml>");
    xml.into_bytes()
}

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
