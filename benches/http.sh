#!/usr/bin/env bash
# HTTP benchmark: starts `medcite serve` (release build, offline) on a generated corpus, loads it
# from loopback with wrk (search, offline ask, and a share of bad requests), and reports
# requests/s, latency, non-2xx responses and the server's resident memory (RSS, and its peak).
# Loopback only, bounded in time. Called by benches/run.sh after `medcite bench`, which
# generated and indexed target/bench/corpus-pubmedqa-N (or corpus-N when
# MEDCITE_BENCH_VOCABULARY=bundled, the corpora made of the bundled article's words).
#
#   bash benches/http.sh [--quick]      (N = 1000000, or 2016 with --quick)
set -euo pipefail
cd "$(dirname "$0")/.."

size=1000000
duration=20s
if [[ "${1:-}" == "--quick" ]]; then
  size=2000
  duration=3s
fi
# CI runs the quick mode with the debug build and its own folder.
bin=${MEDCITE_BIN:-target/release/medcite}
dir=${MEDCITE_BENCH_DIR:-target/bench}
vocabulary=${MEDCITE_BENCH_VOCABULARY:-pubmedqa}
if [[ "$vocabulary" == bundled ]]; then
  tag=""
  search_q="rituximab+refractory"
  questions='"rituximab for refractory disease", "what starting steroid dose would you use?",
  "does IVIG help?", "should I order a DEXA scan?", "is PJP prophylaxis recommended?",'
else
  tag="pubmedqa-"
  search_q="laparoscopic+cholecystectomy+day+case"
  questions='"is laparoscopic cholecystectomy safe as a day case?", "does preoperative anemia affect surgery outcomes?",
  "vitamin C to prevent complex regional pain syndrome", "is ultrasonography useful in undescended testis?",
  "telephone counseling for mammography screening",'
fi
corpus=$dir/corpus-$tag$size
index=$dir/index-$tag$size
if [[ ! -d "$corpus" ]]; then
  echo "no generated corpus at $corpus: run benches/run.sh (or medcite bench --sizes $size --dir $dir) first" >&2
  exit 1
fi
if ! command -v wrk >/dev/null; then
  apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }
fi

port=$((20000 + RANDOM % 20000))
log=$dir/serve-$tag$size.log
# Throughput, not the public-box limits: no per-client rate limit (wrk is one client), and
# room in the CPU pool's queue for all 32 connections (benches/hostile.sh measures the limits).
env -u MEDCITE_LLM_BASE_URL MEDCITE_RATE_LIMIT_PER_MINUTE=0 MEDCITE_QUEUE_DEPTH=64 \
  "$bin" --corpus "$corpus" --index "$index" \
  serve --addr "127.0.0.1:$port" > "$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do
  if curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; then break; fi
  if ! kill -0 $pid 2>/dev/null; then echo "serve exited; see $log" >&2; exit 1; fi
  sleep 0.5
done
rss_kib() { awk "/^$1:/ {print \$2}" "/proc/$pid/status"; }
idle=$(rss_kib VmRSS)

lua=$(mktemp --suffix=.lua)
cat > "$lua" <<LUA
local questions = {
  $questions
}
local n = 0
request = function()
  n = n + 1
  local q = questions[(n % #questions) + 1]
  if n % 10 == 0 then
    -- one request in ten is bad: an empty question (expect a 400)
    q = ""
  end
  local body = '{"question": "' .. q .. '", "mode": "offline"}'
  return wrk.format("POST", "/api/v1/ask", {["Content-Type"] = "application/json"}, body)
end
LUA

echo "| endpoint | requests/s | latency p50 | latency p99 | non-2xx | socket errors |"
echo "|---|---|---|---|---|---|"
run() {
  local name=$1; shift
  local out
  out=$(wrk -t2 -c32 -d"$duration" --latency "$@")
  local rps p50 p99 non2xx errors
  rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  non2xx=$(awk '/Non-2xx or 3xx responses/ {print $5}' <<<"$out")
  errors=$(awk '/Socket errors/ {print $4+$6+$8+$10}' <<<"$out" | tr -d ',')
  echo "| $name | $rps | $p50 | $p99 | ${non2xx:-0} | ${errors:-0} |"
}
run "GET /api/v1/search" "http://127.0.0.1:$port/api/v1/search?q=$search_q&k=10"
run "POST /api/v1/ask (offline; 10% empty questions → 400)" -s "$lua" "http://127.0.0.1:$port/api/v1/ask"
rm -f "$lua"
server_errors=$(grep -c 'status=5' "$log" || true)
echo
echo "serve at $size passages: RSS idle $((idle / 1024)) MiB, now $(( $(rss_kib VmRSS) / 1024 )) MiB, peak $(( $(rss_kib VmHWM) / 1024 )) MiB; 5xx responses (server log): $server_errors"
