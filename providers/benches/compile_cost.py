#!/usr/bin/env python3
"""What a declared endpoint costs the user's build: 50 copies of the SwiftPass
`pay.weixin.wap` request in one crate, with `#[derive(PayRequest)]` and, as the baseline,
the same structs with serde's `#[derive(Serialize, Deserialize)]`.

For each crate and profile: build once (the dependencies), then touch the crate and
rebuild it alone, best of `--rounds`, rounds of the two crates interleaved; report the
rebuild time, the crate's rlib size and the ratios. Both crates start from the workspace's
Cargo.lock, and a target directory of their own.

Run from the repository root:  python3 providers/benches/compile_cost.py [--rounds 3]
"""
import argparse
import os
import shutil
import subprocess
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WORK = os.path.join(ROOT, "target", "compile-cost")
COPIES = 50

# (attributes, field) of the SwiftPass request, as paywire-providers declares it.
FIELDS = [
    ('len = 1..=8', "version: Option<String>"),
    ('len = 1..=8, one_of("UTF-8")', "charset: Option<String>"),
    ('len = 1..=8, one_of("MD5")', "sign_type: Option<String>"),
    ("len = 1..=45", "out_trade_no: String"),
    ("len = 1..=45", "mch_id: String"),
    ("len = 1..=45", "sub_appid: String"),
    ("len = 1..=32", "device_info: Option<String>"),
    ("len = 1..=32", "nonce_str: String"),
    ("len = 1..=128", "body: String"),
    ("len = 1..=128", "attach: Option<String>"),
    ("len = 1..=16, ip", "mch_create_ip: String"),
    ("len = 1..=255, url", "notify_url: String"),
    ("len = 14, compact_time", "time_start: Option<String>"),
    ("len = 14, compact_time", "time_expire: Option<String>"),
    ("len = 1..=32", "goods_tag: Option<String>"),
    ('len = 1..=32, one_of("0", "1")', "limit_credit_pay: Option<String>"),
    ("len = 1..=128", "sub_openid: String"),
    ("range = 1..=999_999_999", "total_fee: Fen"),
]


def paywire_struct(i):
    fields = "".join(f"    #[pay({attrs})]\n    pub {field},\n" for attrs, field in FIELDS)
    return (
        "#[derive(Debug, Clone, PartialEq, Eq, PayRequest)]\n"
        '#[pay(format = "xml", sign = "md5-sorted", sign_key = "key", sign_case = "upper",\n'
        '      constant(service = "pay.weixin.wap"))]\n'
        f"pub struct WapPay{i} {{\n{fields}}}\n"
    )


def serde_struct(i):
    fields = "".join(f"    pub {field},\n" for _, field in FIELDS)
    return (
        "#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]\n"
        f"pub struct WapPay{i} {{\n{fields}}}\n"
    )


def write_crate(name, dependencies, prelude, struct):
    path = os.path.join(WORK, name)
    os.makedirs(os.path.join(path, "src"), exist_ok=True)
    with open(os.path.join(path, "Cargo.toml"), "w") as f:
        f.write(f'[package]\nname = "{name}"\nversion = "0.0.0"\nedition = "2021"\npublish = false\n\n'
                f"[dependencies]\n{dependencies}\n[workspace]\n")
    shutil.copy(os.path.join(ROOT, "Cargo.lock"), os.path.join(path, "Cargo.lock"))
    with open(os.path.join(path, "src", "lib.rs"), "w") as f:
        f.write(prelude + "\n".join(struct(i) for i in range(COPIES)))
    return path


def cargo(path, profile, *extra):
    args = ["cargo", "build", "-q", "--offline"] + (["--release"] if profile == "release" else []) + list(extra)
    env = dict(os.environ, CARGO_TARGET_DIR=os.path.join(path, "target"))
    subprocess.run(args, cwd=path, env=env, check=True)


def rebuild_seconds(path, name, profile):
    lib = os.path.join(path, "src", "lib.rs")
    os.utime(lib)
    start = time.perf_counter()
    cargo(path, profile, "-p", name)
    return time.perf_counter() - start


def rlib_bytes(path, name, profile):
    directory = os.path.join(path, "target", profile)
    return os.path.getsize(os.path.join(directory, f"lib{name}.rlib"))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    rounds = parser.parse_args().rounds
    core = os.path.join(ROOT, "core")
    crates = {
        "paywire": write_crate("pw_endpoints", f'paywire = {{ path = "{core}" }}\n',
                               "use paywire::{Fen, PayRequest};\n\n", paywire_struct),
        "serde": write_crate("serde_endpoints",
                             'serde = { version = "1", features = ["derive"] }\n',
                             "use serde::{Deserialize, Serialize};\n\ntype Fen = u64;\n\n", serde_struct),
    }
    names = {"paywire": "pw_endpoints", "serde": "serde_endpoints"}
    print(f"{COPIES} SwiftPass requests in one crate; best of {rounds} rebuilds of the crate alone")
    print("| profile | derive | rebuild | rlib | vs serde |")
    print("|---|---|---|---|---|")
    for profile in ("debug", "release"):
        for which, path in crates.items():
            cargo(path, profile)
        best = {which: float("inf") for which in crates}
        for _ in range(rounds):
            for which, path in crates.items():
                best[which] = min(best[which], rebuild_seconds(path, names[which], profile))
        for which, path in crates.items():
            size = rlib_bytes(path, names[which], profile)
            ratio = best[which] / best["serde"]
            size_ratio = size / rlib_bytes(crates["serde"], names["serde"], profile)
            print(f"| {profile} | {which} | {best[which]:.2f} s | {size / 1e6:.1f} MB | "
                  f"{ratio:.2f}x time, {size_ratio:.1f}x size |")


if __name__ == "__main__":
    main()
