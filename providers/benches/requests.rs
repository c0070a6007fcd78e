//! Request-side speed: for each gateway's request, paywire's `validate`, `sign_string`,
//! `signature` and `to_body`, next to two baselines measured in the same run: a
//! hand-written function doing the same job the way a careful engineer would without
//! the toolkit, and the floor (the digest alone over the canonical bytes). After the
//! criterion groups, a summary prints the ratios. Run: `cargo bench -p paywire-providers`.

mod baseline;
mod interleave;

use criterion::{criterion_group, Criterion};
use paywire::{PayRequest, Secret};
use std::hint::black_box;
use std::time::Duration;

const KEY: &str = "61307e5f2aebcacecbcca6fe5296df9c";

fn md5_floor(canonical: &[u8]) -> [u8; 16] {
    use md5::Digest;
    md5::Md5::digest(canonical).into()
}

fn request_group<T: PayRequest>(
    c: &mut Criterion,
    name: &str,
    request: &T,
    key: &T::Key,
    handwritten: impl Fn(&T, &str) -> Result<String, String>,
) {
    let canonical = request.sign_string(key).into_bytes();
    assert_eq!(
        handwritten(request, KEY).unwrap(),
        request.to_body(key).unwrap().as_str(),
        "{name}: same body"
    );
    let mut group = c.benchmark_group(name);
    group.bench_function("paywire/validate", |b| {
        b.iter(|| black_box(request).validate())
    });
    group.bench_function("paywire/sign_string", |b| {
        b.iter(|| black_box(request).sign_string(key))
    });
    group.bench_function("paywire/signature", |b| {
        b.iter(|| black_box(request).signature(key))
    });
    group.bench_function("paywire/to_body", |b| {
        b.iter(|| black_box(request).to_body(key))
    });
    group.bench_function("handwritten/to_body", |b| {
        b.iter(|| handwritten(black_box(request), KEY))
    });
    group.bench_function("floor/md5", |b| b.iter(|| md5_floor(black_box(&canonical))));
    group.finish();
}

fn benches(c: &mut Criterion) {
    let key = Secret::new(KEY);
    request_group(
        c,
        "swiftpass",
        &paywire_providers::swiftpass::sample(),
        &key,
        baseline::swiftpass,
    );
    request_group(
        c,
        "weidoufu",
        &paywire_providers::weidoufu::sample(),
        &key,
        baseline::weidoufu,
    );
    request_group(
        c,
        "xorpay",
        &paywire_providers::xorpay::sample(),
        &key,
        baseline::xorpay,
    );
    request_group(
        c,
        "wechat_global",
        &paywire_providers::wechat_global::sample_direct(),
        &(),
        baseline::wechat_global,
    );
    request_group(
        c,
        "feat",
        &paywire_providers::feat::sample(),
        &(),
        baseline::feat,
    );
}

/// Calls per batch: a few milliseconds, short enough that many batches fit in a quiet
/// stretch of a shared machine.
const BATCH: u32 = 5_000;
/// Batches per contender, interleaved.
const ROUNDS: usize = 31;

/// Best-of-rounds nanoseconds per call for each of `fs`, interleaved.
fn interleaved_best<const N: usize>(fs: [&mut dyn FnMut(); N]) -> [f64; N] {
    let mut fs = fs;
    let micros = interleave::best_micros(ROUNDS, BATCH, &mut fs);
    std::array::from_fn(|i| micros[i] * 1_000.0)
}

fn ratio_row<T: PayRequest>(
    name: &str,
    request: &T,
    key: &T::Key,
    handwritten: impl Fn(&T, &str) -> Result<String, String>,
) {
    let canonical = request.sign_string(key).into_bytes();
    // Both must do the whole job on this sample: a baseline that refuses early, or
    // writes a different body, would make the ratio meaningless.
    let body = request.to_body(key).expect("paywire accepts the sample");
    let theirs = handwritten(request, KEY).expect("the baseline accepts the sample");
    assert_eq!(
        body.as_str(),
        theirs,
        "{name}: the baseline writes another body"
    );
    let [ours, theirs, floor] = interleaved_best([
        &mut || {
            black_box(black_box(request).to_body(key).ok());
        },
        &mut || {
            black_box(handwritten(black_box(request), KEY).ok());
        },
        &mut || {
            black_box(md5_floor(black_box(&canonical)));
        },
    ]);
    println!(
        "{name:<14} to_body {ours:>8.0} ns | hand-written {theirs:>8.0} ns ({:.2}x) | floor {floor:>6.0} ns ({:.2}x) | canonical {} bytes",
        ours / theirs,
        ours / floor,
        canonical.len()
    );
}

fn summary() {
    println!("\nvalidate + sign + encode, best of {ROUNDS} interleaved rounds x {BATCH} calls (ratio = paywire / baseline):");
    let key = Secret::new(KEY);
    ratio_row(
        "swiftpass",
        &paywire_providers::swiftpass::sample(),
        &key,
        baseline::swiftpass,
    );
    ratio_row(
        "weidoufu",
        &paywire_providers::weidoufu::sample(),
        &key,
        baseline::weidoufu,
    );
    ratio_row(
        "xorpay",
        &paywire_providers::xorpay::sample(),
        &key,
        baseline::xorpay,
    );
    ratio_row(
        "wechat_global",
        &paywire_providers::wechat_global::sample_direct(),
        &(),
        baseline::wechat_global,
    );
    ratio_row(
        "feat",
        &paywire_providers::feat::sample(),
        &(),
        baseline::feat,
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
