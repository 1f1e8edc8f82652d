#!/usr/bin/env bash
# The whole benchmark in one command: builds medcite in release mode, installs the Python BM25
# peer (bm25s, with PyStemmer) in a virtual environment under target/bench, then runs
# `medcite bench` (build, search and offline-ask latency at 10k, 100k and 1M passages of synthetic
# text whose words follow PubMedQA abstracts' distribution, then on the PubMedQA dev abstracts
# themselves, side by side with bm25s) and the HTTP benchmark (serve RSS and throughput under
# loopback load).
#
#   bash benches/run.sh            full run (about 10 minutes on 2 cores)
#   bash benches/run.sh --quick    small sizes, to check the harness (CI runs this)
set -euo pipefail
cd "$(dirname "$0")/.."

quick=()
if [[ "${1:-}" == "--quick" ]]; then
  quick=(--quick)
fi

cargo build --release --quiet
bench_dir=target/bench
mkdir -p "$bench_dir"

python=""
if [[ ${#quick[@]} -eq 0 || -n "${MEDCITE_BENCH_PEER:-}" ]]; then
  if [[ ! -x "$bench_dir/venv/bin/python" ]]; then
    python3 -m venv "$bench_dir/venv"
  fi
  "$bench_dir/venv/bin/pip" install --quiet --disable-pip-version-check bm25s PyStemmer
  python="$bench_dir/venv/bin/python"
fi

args=(bench --dir "$bench_dir")
if [[ -n "$python" ]]; then
  args+=(--python "$python")
fi
./target/release/medcite "${args[@]}" "${quick[@]}"

# Real text: the PubMedQA dev abstracts as a corpus, when the file is here (not in CI).
pubmedqa=${MEDCITE_PUBMEDQA:-../shared/pubmedqa/pqal_dev.json}
if [[ -f "$pubmedqa" ]]; then
  real=$bench_dir/pubmedqa
  if [[ ! -d "$real/articles" ]]; then
    ./target/release/medcite import-pubmedqa "$pubmedqa" --out "$real"
  fi
  ./target/release/medcite "${args[@]}" --real "$real" "${quick[@]}"
else
  echo "no PubMedQA file at $pubmedqa (set MEDCITE_PUBMEDQA): the real-text run is skipped" >&2
fi

if [[ -f benches/http.sh ]]; then
  bash benches/http.sh "${quick[@]}"
fi
