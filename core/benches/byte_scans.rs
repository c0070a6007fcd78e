//! The word-at-a-time scans of `words.rs` against `memchr` on the searches both can do:
//! where a URL's authority ends (`/` or `?`), whether a query follows (`?`), and copying
//! an XML value while looking for `&` (a copy plus `memchr` in two passes). The inputs
//! are the lengths a request carries: a short notify URL, a long one with a query, a
//! short and a long text value. `words.rs` is compiled into this bench as it is, so the
//! numbers are the runtime's own code.
//!
//! `cargo bench -p paywire --bench byte_scans` (criterion, then a summary of ratios
//! from interleaved rounds).

use criterion::{criterion_group, Criterion};
use std::hint::black_box;

/// What `words.rs` names from the runtime.
#[allow(dead_code)]
mod schema {
    pub enum HexCase {
        Upper,
        Lower,
    }
}

#[allow(dead_code, unused_imports)]
#[path = "../src/words.rs"]
mod words;

#[path = "../../providers/benches/interleave.rs"]
mod interleave;

use words::{any_word, bytes_equal, copy_scanning, first_hit, HIGHS};

/// The authority and what follows it, as `absolute_url` sees them after the scheme.
const URLS: [(&str, &str); 2] = [
    ("short URL", "shop.example.com/pay/notify"),
    (
        "long URL",
        "payments.merchant-platform.example.com.cn:8443/api/v2/gateway/wechat/notify/callback?channel=swiftpass&merchant=1900000109&store=shenzhen-futian-001&sign_type=MD5&version=2",
    ),
];

/// Values an XML body carries.
const TEXTS: [(&str, &str); 2] = [
    ("short text", "H5支付测试"),
    (
        "long text",
        "QQ会员充值 12个月 超级会员 年费 自动续费 赠送 绿钻 黄钻 各一个月 限时优惠 活动商品不支持退款 详情请见活动规则页面 客服电话 400-000-0000",
    ),
];

fn authority_end_words(rest: &[u8]) -> usize {
    first_hit(rest, |w| bytes_equal(w, b'/') | bytes_equal(w, b'?')).unwrap_or(rest.len())
}

fn authority_end_memchr(rest: &[u8]) -> usize {
    memchr::memchr2(b'/', b'?', rest).unwrap_or(rest.len())
}

fn has_query_words(rest: &[u8]) -> bool {
    any_word(rest, |w| bytes_equal(w, b'?') & HIGHS != 0)
}

fn has_query_memchr(rest: &[u8]) -> bool {
    memchr::memchr(b'?', rest).is_some()
}

fn copy_words(dst: &mut [u8], src: &[u8]) -> bool {
    copy_scanning(dst, src, |w| bytes_equal(w, b'&'))
}

fn copy_memchr(dst: &mut [u8], src: &[u8]) -> bool {
    dst[..src.len()].copy_from_slice(src);
    memchr::memchr(b'&', src).is_some()
}

fn benches(c: &mut Criterion) {
    for (name, url) in URLS {
        let rest = url.as_bytes();
        assert_eq!(authority_end_words(rest), authority_end_memchr(rest));
        assert_eq!(has_query_words(rest), has_query_memchr(rest));
        let mut g = c.benchmark_group(format!("authority end, {name}"));
        g.bench_function("words", |b| b.iter(|| authority_end_words(black_box(rest))));
        g.bench_function("memchr2", |b| {
            b.iter(|| authority_end_memchr(black_box(rest)))
        });
        g.finish();
        let mut g = c.benchmark_group(format!("has query, {name}"));
        g.bench_function("words", |b| b.iter(|| has_query_words(black_box(rest))));
        g.bench_function("memchr", |b| b.iter(|| has_query_memchr(black_box(rest))));
        g.finish();
    }
    for (name, text) in TEXTS {
        let src = text.as_bytes();
        let mut dst = vec![0u8; src.len()];
        assert_eq!(copy_words(&mut dst, src), copy_memchr(&mut dst, src));
        let mut g = c.benchmark_group(format!("copy and find &, {name}"));
        g.bench_function("words", |b| {
            b.iter(|| copy_words(black_box(&mut dst), black_box(src)))
        });
        g.bench_function("copy + memchr", |b| {
            b.iter(|| copy_memchr(black_box(&mut dst), black_box(src)))
        });
        g.finish();
    }
}

criterion_group!(group, benches);

const ROUNDS: usize = 31;
const BATCH: u32 = 200_000;

/// Nanoseconds per call, best of interleaved rounds, for `words` and `memchr`.
fn pair(mut words: impl FnMut(), mut memchr: impl FnMut()) -> (f64, f64) {
    let best = interleave::best_micros(ROUNDS, BATCH, &mut [&mut words, &mut memchr]);
    (best[0] * 1e3, best[1] * 1e3)
}

fn summary() {
    println!("\nbest of {ROUNDS} interleaved rounds x {BATCH} calls (ratio = words / memchr; below 1 means words is faster):");
    let mut rows = Vec::new();
    for (name, url) in URLS {
        let rest = url.as_bytes();
        let (w, m) = pair(
            || {
                black_box(authority_end_words(black_box(rest)));
            },
            || {
                black_box(authority_end_memchr(black_box(rest)));
            },
        );
        rows.push((format!("authority end, {name} ({} B)", rest.len()), w, m));
        let (w, m) = pair(
            || {
                black_box(has_query_words(black_box(rest)));
            },
            || {
                black_box(has_query_memchr(black_box(rest)));
            },
        );
        rows.push((format!("has query, {name} ({} B)", rest.len()), w, m));
    }
    for (name, text) in TEXTS {
        let src = text.as_bytes();
        let mut a = vec![0u8; src.len()];
        let mut b = vec![0u8; src.len()];
        let (w, m) = pair(
            || {
                black_box(copy_words(black_box(&mut a), black_box(src)));
            },
            || {
                black_box(copy_memchr(black_box(&mut b), black_box(src)));
            },
        );
        rows.push((format!("copy and find &, {name} ({} B)", src.len()), w, m));
    }
    // Where the two cross: ASCII values of growing length.
    for len in [16usize, 24, 32, 48, 64, 96, 128, 256] {
        let src: Vec<u8> = (0..len).map(|i| b'a' + (i % 26) as u8).collect();
        let mut a = vec![0u8; len];
        let mut b = vec![0u8; len];
        let (w, m) = pair(
            || {
                black_box(copy_words(black_box(&mut a), black_box(&src)));
            },
            || {
                black_box(copy_memchr(black_box(&mut b), black_box(&src)));
            },
        );
        rows.push((format!("copy and find &, ASCII ({len} B)"), w, m));
    }
    for (what, w, m) in rows {
        println!(
            "  {what:<40} words {w:6.2} ns  memchr {m:6.2} ns  ratio {:.2}",
            w / m
        );
    }
}

fn main() {
    group();
    Criterion::default().configure_from_args().final_summary();
    summary();
}
