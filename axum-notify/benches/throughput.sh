#!/usr/bin/env bash
# Notifications per second through paywire-axum with each ledger, against axum answering
# a fixed 200 on the same machine in the same round (the ceiling): wrk, one thread, 16
# connections, 20 000 distinct signed SwiftPass notifications cycled. Rounds interleave
# the ledgers so that the machine's noise falls on all of them alike; each line is one
# run. LEDGERS="fixed memory" runs only those (the first must be fixed).
#
#   axum-notify/benches/throughput.sh [ROUNDS] [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-3}
seconds=${2:-10}
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)"; exit 1; }
cargo build -q --release --locked -p paywire-axum --example throughput
bin=target/release/examples/throughput
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$bin" bodies 20000 > "$work/bodies.txt"
cat > "$work/cycle.lua" <<LUA
local bodies = {}
for line in io.lines("$work/bodies.txt") do bodies[#bodies + 1] = line end
local i = 0
request = function()
  i = i % #bodies + 1
  return wrk.format("POST", "/swiftpass", {["Content-Type"] = "text/xml"}, bodies[i])
end
LUA
port=39017
for round in $(seq "$rounds"); do
  ceiling=""
  for ledger in ${LEDGERS:-fixed body floor verify memory redis sqlite postgres}; do
    "$bin" serve "$ledger" "127.0.0.1:$port" 2> "$work/server.log" &
    server=$!
    for _ in $(seq 200); do
      grep -q serving "$work/server.log" 2>/dev/null && break
      sleep 0.1
    done
    rate=$(wrk -t1 -c16 -d"${seconds}s" -s "$work/cycle.lua" "http://127.0.0.1:$port" \
      | awk '/Requests\/sec/ {print $2}')
    kill -INT "$server"; wait "$server" || true
    [[ $ledger == fixed ]] && ceiling=$rate
    ratio=$(python3 -c "print(f'{float($rate) / float($ceiling):.2f}')")
    printf 'round %s  %-8s %10s req/s  %sx the fixed answer\n' "$round" "$ledger" "$rate" "$ratio"
  done
done
