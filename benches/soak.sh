#!/usr/bin/env bash
# Soak test: `medcite serve` (release, offline, bundled corpus) under mixed loopback load for a
# while — search, ask, check-dosing, and bad requests (empty question, broken JSON, unknown
# route) — sampling the server's RSS every 10 s. Passes when there are no 5xx responses, no
# socket errors, the server is still up, and RSS at the end is within 20% of RSS after warm-up.
#
#   bash benches/soak.sh [SECONDS]     (default 180; loopback only)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-180}
bin=${MEDCITE_BIN:-target/release/medcite}
dir=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
if ! command -v wrk >/dev/null; then
  apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }
fi
port=$((20000 + RANDOM % 20000))
# No per-client rate limit and room in the CPU pool's queue for the 64 connections: this soak is
# about stability under a steady mix; benches/hostile.sh measures the limits themselves.
env -u MEDCITE_LLM_BASE_URL MEDCITE_RATE_LIMIT_PER_MINUTE=0 MEDCITE_QUEUE_DEPTH=128 \
  "$bin" --index "$dir/index" serve --addr "127.0.0.1:$port" > "$dir/serve.log" 2>&1 &
pid=$!
for _ in $(seq 1 600); do
  curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  kill -0 $pid 2>/dev/null || { echo "serve exited; see $dir/serve.log" >&2; exit 1; }
  sleep 0.5
done
cat > "$dir/mix.lua" <<'LUA'
local n = 0
local asks = { "What about IVIG dosing?", "does rituximab help anti-SRP patients?",
  "what starting steroid dose would you use?", "What is the first-line treatment for hypertension?" }
request = function()
  n = n + 1
  local k = n % 10
  local json = {["Content-Type"] = "application/json"}
  if k < 3 then
    return wrk.format("GET", "/api/v1/search?q=rituximab+refractory&k=10")
  elseif k < 6 then
    return wrk.format("POST", "/api/v1/ask", json, '{"question": "' .. asks[(n % #asks) + 1] .. '", "mode": "offline"}')
  elseif k < 8 then
    return wrk.format("POST", "/api/v1/check-dosing", json, '{"text": "Give methotrexate 15 mg daily and prednisone 1 mg/kg/day"}')
  elseif k == 8 then
    return wrk.format("POST", "/api/v1/ask", json, '{"question": ')
  else
    return wrk.format("GET", "/api/v1/nowhere")
  end
end
LUA
rss() { awk '/^VmRSS:/ {print $2}' "/proc/$pid/status"; }
wrk -t1 -c8 -d5s -s "$dir/mix.lua" "http://127.0.0.1:$port" >/dev/null
warm=$(rss)
wrk -t2 -c64 -d"${seconds}s" --latency -s "$dir/mix.lua" "http://127.0.0.1:$port" > "$dir/wrk.txt" &
load=$!
samples="$warm"
while kill -0 $load 2>/dev/null; do
  sleep 10
  samples="$samples $(rss)"
done
wait $load
end=$(rss)
requests=$(awk '/requests in/ {print $1}' "$dir/wrk.txt")
rps=$(awk '/^Requests\/sec/ {print $2}' "$dir/wrk.txt")
non2xx=$(awk '/Non-2xx or 3xx responses/ {print $5}' "$dir/wrk.txt")
socket=$(awk '/Socket errors/ {print $4+$6+$8+$10}' "$dir/wrk.txt" | tr -d ',')
fivexx=$(grep -c 'status=5' "$dir/serve.log" || true)
echo "soak ${seconds}s at 64 connections: $requests requests ($rps/s), non-2xx ${non2xx:-0} (the intended 4xx), socket errors ${socket:-0}, 5xx $fivexx"
echo "RSS KiB every 10 s: $samples $end"
kill -0 $pid 2>/dev/null || { echo "FAIL: the server died" >&2; exit 1; }
[[ "$fivexx" == 0 && "${socket:-0}" == 0 ]] || { echo "FAIL: errors under load" >&2; exit 1; }
(( end * 10 <= warm * 12 )) || { echo "FAIL: RSS grew from $warm KiB to $end KiB" >&2; exit 1; }
echo "soak passed"
