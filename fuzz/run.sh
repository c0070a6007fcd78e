#!/usr/bin/env bash
# Runs every fuzz target for SECONDS (default 600) each, two at a time, then minimises
# each corpus. Needs `cargo install cargo-fuzz`; stable Rust with RUSTC_BOOTSTRAP=1.
# Crashes land in fuzz/artifacts/<target>/; logs in $LOG_DIR (default /tmp).
set -uo pipefail
cd "$(dirname "$0")"
SECONDS_EACH=${1:-600}
LOG_DIR=${LOG_DIR:-/tmp}
export RUSTC_BOOTSTRAP=1
targets=(xml json form swiftpass_notify weidoufu_notify xorpay_notify wechat_global_notify feat_answers)
cargo fuzz build -O
run() {
    for t in "$@"; do
        cargo fuzz run -O "$t" -- -max_total_time="$SECONDS_EACH" -rss_limit_mb=2048 -max_len=65536 \
            > "$LOG_DIR/fuzz-$t.log" 2>&1
        echo "$t exit=$? $(grep -E '^Done|#[0-9]+.*DONE' "$LOG_DIR/fuzz-$t.log" | tail -1)"
    done
}
run xml form swiftpass_notify wechat_global_notify &
run json weidoufu_notify xorpay_notify feat_answers &
wait
for t in "${targets[@]}"; do
    cargo fuzz cmin -O "$t" > "$LOG_DIR/fuzz-cmin-$t.log" 2>&1
done
