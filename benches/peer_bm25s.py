#!/usr/bin/env python3
"""The BM25 peer for `medcite bench`: indexes the same passages with bm25s (English stop words,
Snowball stemmer when PyStemmer is installed) and times the same queries, one at a time.

usage: peer_bm25s.py CHUNKS.jsonl QUERIES.json ROUNDS
Prints progress to stderr and, as its last stdout line, a JSON report:
{"build_secs", "search_p50_ms", "search_p99_ms", "top10": [[chunk ids] per query]}.
"""
import json
import math
import sys
import time

import bm25s

try:
    import Stemmer  # PyStemmer

    STEMMER = Stemmer.Stemmer("english")
except ImportError:  # pragma: no cover - the bench script installs it
    STEMMER = None


def percentile(values, p):
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def main():
    chunks_path, queries_path, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
    ids, texts = [], []
    with open(chunks_path, encoding="utf-8") as f:
        for line in f:
            item = json.loads(line)
            ids.append(item["id"])
            texts.append(item["text"])
    with open(queries_path, encoding="utf-8") as f:
        queries = json.load(f)

    started = time.perf_counter()
    tokens = bm25s.tokenize(texts, stopwords="en", stemmer=STEMMER, show_progress=False)
    retriever = bm25s.BM25()
    retriever.index(tokens, show_progress=False)
    build_secs = time.perf_counter() - started
    print(f"bm25s indexed {len(ids)} passages in {build_secs:.2f} s", file=sys.stderr)

    def search(query, k=10):
        q = bm25s.tokenize([query], stopwords="en", stemmer=STEMMER, show_progress=False)
        k = min(k, len(ids))
        docs, _scores = retriever.retrieve(q, k=k, show_progress=False, n_threads=1)
        return [ids[i] for i in docs[0]]

    times = []
    for r in range(rounds):
        query = queries[r % len(queries)]
        t = time.perf_counter()
        try:
            search(query)
        except ValueError:
            pass  # a query with no known token
        times.append((time.perf_counter() - t) * 1000)
    top10 = []
    for query in queries:
        try:
            top10.append(search(query))
        except ValueError:
            top10.append([])
    print(
        json.dumps(
            {
                "build_secs": build_secs,
                "search_p50_ms": percentile(times, 50),
                "search_p99_ms": percentile(times, 99),
                "top10": top10,
            }
        )
    )


if __name__ == "__main__":
    main()
