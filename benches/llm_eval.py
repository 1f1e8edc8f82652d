#!/usr/bin/env python3
"""Asks a running `medcite serve` (with an LLM configured) the gold questions through
POST /api/v1/ask/stream and prints what the reader got: verified answers written by the
model itself, fallbacks to the offline answer and why, declines by the coverage gate (before
the model is called) and by the model, right answers, numbers in verified answers that no cited
passage states, time to first token and total time.

Used by benches/llm.sh; not part of CI. Standard library only.

  llm_eval.py --url http://127.0.0.1:18090 --gold tests/gold [--limit N] [--json FILE]
"""

import argparse
import json
import re
import statistics
import sys
import time
import tomllib
import urllib.request
from pathlib import Path

MARKER = re.compile(r"\[\s*(S\d+(?:\s*[,;]\s*S?\d+)*)\s*\]")
FIGURE = re.compile(r"(?<![\w.])\d+(?:\.\d+)?")


def load(gold: Path, limit: int):
    """(set, question dict) pairs: covered questions from retrieval.toml, uncovered ones from
    offtopic.toml (quality.toml is `medcite eval --quality`'s). With a limit, every n-th
    question of each set so that the subset spans the whole file."""
    out = []
    for name in ["retrieval.toml", "offtopic.toml"]:
        path = gold / name
        if not path.exists():
            continue
        questions = tomllib.loads(path.read_text())["question"]
        for q in questions:
            if name == "retrieval.toml":
                q.setdefault("covered", True)
            elif name == "offtopic.toml":
                q.setdefault("covered", False)
        if limit and len(questions) > limit:
            step = len(questions) / limit
            questions = [questions[int(i * step)] for i in range(limit)]
        out += [(name.removesuffix(".toml"), q) for q in questions]
    return out


def ask_stream(url: str, question: str, history: list, timeout: float):
    """Streams one ask; returns (first_token_s, total_s, passages_seen, done_json, error)."""
    body = json.dumps(
        {
            "question": question,
            "history": [{"role": "user", "content": h} for h in history],
            "mode": "auto",
        }
    ).encode()
    request = urllib.request.Request(
        url + "/api/v1/ask/stream",
        data=body,
        headers={"Content-Type": "application/json", "Accept": "text/event-stream"},
    )
    start = time.monotonic()
    first = None
    passages = None
    done = None
    event = None
    data = []
    try:
        with urllib.request.urlopen(request, timeout=timeout) as reply:
            for raw in reply:
                line = raw.decode("utf-8").rstrip("\r\n")
                if line.startswith("event:"):
                    event = line[6:].strip()
                elif line.startswith("data:"):
                    data.append(line[5:].lstrip())
                elif line == "" and event is not None:
                    payload = "\n".join(data)
                    if event == "passages":
                        passages = json.loads(payload)
                    elif event == "done":
                        done = json.loads(payload)
                    elif event == "error":
                        return first, time.monotonic() - start, passages, None, payload
                    elif first is None and str(json.loads(payload) if payload else "").strip():
                        # The first text before `done` (a draft piece or a checked sentence).
                        first = time.monotonic() - start
                    event, data = None, []
    except Exception as e:  # noqa: BLE001 - report any failure of one question and go on
        return first, time.monotonic() - start, passages, None, str(e)
    return first, time.monotonic() - start, passages, done, None


def cited(done: dict):
    names = set()
    for group in MARKER.findall(done.get("answer", "")):
        for part in re.split(r"[,;]", group):
            part = part.strip()
            names.add(part if part.startswith("S") else "S" + part)
    return [p for p in done.get("passages", []) if p["marker"] in names]


def unstated_numbers(done: dict):
    """Figures of the answer (markers and list numbering aside) in no passage it cites: an
    independent, cruder audit of the number check."""
    sources = " ".join(p["text"] + " " + p.get("title", "") for p in cited(done))
    stated = set(FIGURE.findall(sources.replace(",", "")))
    text = MARKER.sub(" ", done.get("answer", ""))
    text = re.sub(r"(?m)^\s*\d+[.)]\s", " ", text).replace(",", "")
    return [f for f in FIGURE.findall(text) if f not in stated]


def norm(text: str) -> str:
    text = text.lower().replace("\u2013", "-").replace("\u2014", "-")
    return " ".join(text.split())


def right(q: dict, done: dict) -> bool:
    """Whether a covered question got a right answer: the gold's expected passage is cited."""
    return any(norm(q["expect"]) in norm(p["text"]) for p in cited(done))


def subset(path: Path, limit: int, out: Path):
    """Writes every n-th [[question]] block of a gold file to `out`, as written."""
    text = path.read_text()
    head, *blocks = text.split("[[question]]")
    if limit and len(blocks) > limit:
        step = len(blocks) / limit
        blocks = [blocks[int(i * step)] for i in range(limit)]
    out.write_text(head + "".join("[[question]]" + b for b in blocks))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url")
    parser.add_argument("--gold", type=Path, default=Path("tests/gold"))
    parser.add_argument("--limit", type=int, default=0, help="questions per gold file")
    parser.add_argument("--timeout", type=float, default=180)
    parser.add_argument("--json", type=Path, help="write every reply here")
    parser.add_argument(
        "--subset", nargs=2, type=Path, metavar=("GOLD", "OUT"),
        help="only write --limit questions of the gold file GOLD to OUT",
    )
    args = parser.parse_args()
    if args.subset:
        subset(args.subset[0], args.limit, args.subset[1])
        return

    rows = []
    questions = load(args.gold, args.limit)
    for n, (kind, q) in enumerate(questions, 1):
        first, total, passages, done, error = ask_stream(
            args.url, q["question"], q.get("history", []), args.timeout
        )
        row = {"set": kind, "id": q["id"], "question": q["question"], "covered": q["covered"]}
        row.update(first_token_s=first, total_s=total, error=error)
        if done is not None:
            gate = not passages  # no passages: declined before the model was called
            if not done["covered"]:
                outcome = "declined_by_gate" if gate else "declined_by_model"
            elif done["mode"] == "llm" and done["verified"] and not done["fallback_reason"]:
                outcome = "model"
            elif done["fallback_reason"]:
                outcome = "fallback"
            else:
                outcome = "offline"
            row.update(
                outcome=outcome,
                answer=done["answer"],
                fallback_reason=done["fallback_reason"],
                right=bool(q["covered"]) and outcome in ("model", "fallback") and right(q, done),
                unstated=unstated_numbers(done) if outcome == "model" else [],
            )
        else:
            row.update(outcome="error")
        rows.append(row)
        print(
            f"[{n}/{len(questions)}] {kind}:{q['id']} {row['outcome']:<17} {total:5.1f}s  {q['question'][:60]}",
            file=sys.stderr,
            flush=True,
        )

    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    report(rows)


def pct(n, d):
    return f"{n}/{d} ({100 * n / d:.0f}%)" if d else "0/0"


def report(rows):
    covered = [r for r in rows if r["covered"]]
    uncovered = [r for r in rows if not r["covered"]]
    count = lambda rs, o: sum(1 for r in rs if r.get("outcome") == o)  # noqa: E731
    print(f"\nquestions: {len(rows)} ({len(covered)} the sources cover, {len(uncovered)} they do not)")
    print("covered questions:")
    print(f"  verified answer from the model itself   {pct(count(covered, 'model'), len(covered))}")
    print(
        f"  ... and right (the expected passage cited)  "
        f"{pct(sum(1 for r in covered if r['outcome'] == 'model' and r['right']), len(covered))}"
    )
    print(f"  fell back to the offline answer         {pct(count(covered, 'fallback'), len(covered))}")
    print(f"  declined by the coverage gate           {pct(count(covered, 'declined_by_gate'), len(covered))}")
    print(f"  declined by the model                   {pct(count(covered, 'declined_by_model'), len(covered))}")
    print(f"  errors                                  {pct(count(covered, 'error'), len(covered))}")
    print("questions outside the sources:")
    declined = count(uncovered, "declined_by_gate") + count(uncovered, "declined_by_model")
    print(f"  declined                                {pct(declined, len(uncovered))}")
    print(f"    by the gate / by the model            {count(uncovered, 'declined_by_gate')} / {count(uncovered, 'declined_by_model')}")
    verified = [r for r in rows if r.get("outcome") == "model"]
    bad = [r for r in verified if r["unstated"]]
    print(f"verified model answers with a number in no cited passage: {len(bad)}")
    for r in bad:
        print(f"  {r['id']}: {r['unstated']} in {r['answer'][:120]!r}")
    reasons = {}
    for r in rows:
        if r.get("outcome") == "fallback":
            reason = re.sub(r"\(.*", "", r["fallback_reason"] or "").strip()
            reasons[reason] = reasons.get(reason, 0) + 1
    if reasons:
        print("fallback reasons:")
        for reason, n in sorted(reasons.items(), key=lambda kv: -kv[1]):
            print(f"  {n:3}  {reason[:110]}")
    firsts = [
        r["first_token_s"]
        for r in rows
        if r["first_token_s"] is not None and r.get("outcome") not in ("declined_by_gate", "error")
    ]
    totals = [r["total_s"] for r in rows if r.get("outcome") not in ("declined_by_gate", "error")]
    if firsts:
        print(f"time to first token: median {statistics.median(firsts):.2f} s, max {max(firsts):.2f} s")
    if totals:
        print(
            f"total time (questions that reached the model): median {statistics.median(totals):.1f} s, "
            f"max {max(totals):.1f} s"
        )


if __name__ == "__main__":
    main()
