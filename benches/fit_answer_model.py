#!/usr/bin/env python3
"""Fits the weights of medcite's offline answer model (data/answer-model.toml, [weights]).

The model scores each candidate quote of an answer by its named features (see the data file);
the quote that answers should score highest. For every training question with a fact that must
open the answer (the quality gold's `first`, a dev follow-up's `first:`), this script asks
`medcite ask --offline --explain --json` for the candidates and their features, marks the ones
holding that fact, and fits the weights as a listwise logistic model (softmax over the question's
candidates; the loss is minus the log of the probability given to the answering ones), with an
L2 pull toward the weights in the file so that a feature the data says little about keeps its
value. It reports, for the train and the test split apart, how often the best-scoring candidate
holds the fact, with the file's weights and with the fitted ones; `--write` writes the fitted
weights into the data file. Keep them only when `medcite eval` (quality gold and dev articles,
test split) rises: the candidate ranking is a proxy for the answer's first sentence.

Usage (from the repository root, after `cargo build --release` and `medcite index`):
    python3 benches/fit_answer_model.py --medcite target/release/medcite \
        [--dev ../shared/droracle-dev --dev-corpus /tmp/dev/corpus --dev-index /tmp/dev/index] \
        [--write]
The dev corpus is made by `medcite --corpus DIR/corpus --index DIR/index add
../shared/droracle-dev/pages/*.txt` then `index`.
"""

import argparse
import hashlib
import json
import math
import re
import subprocess
import sys
import tempfile
import tomllib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

WORD_FEATURES = ["question_words", "phrasing_words", "history_words", "aspect_words"]
FLAG_FEATURES = [
    "answer_section",
    "rank",
    "label_names_question",
    "heads_option",
    "states_aspect_of_subject",
    "says_what_is_cited",
    "on_subject",
    "lead_in",
    "age_fits",
    "age_conflicts",
    "child_unasked",
    "value_fits",
    "value_conflicts",
    "excludes_asked",
    "warns_of_condition",
]
ALL = WORD_FEATURES + FLAG_FEATURES


def normalize(text):
    """As medcite's eval compares facts: lower case, one kind of dash and quote, single spaces."""
    text = text.lower()
    text = re.sub("[\u2010-\u2015\u2212]", "-", text)
    text = re.sub("[\u2018\u2019]", "'", text)
    text = re.sub("[\u201c\u201d]", '"', text)
    return " ".join(text.split())


def holds(text, fact):
    """Whether `text` holds the fact ("a|b": either)."""
    text = normalize(text)
    return any(normalize(alt) in text for alt in fact.split("|") if alt.strip())


def lowest_sha256(ids, share=0.25):
    ranked = sorted(ids, key=lambda i: hashlib.sha256(i.encode()).hexdigest())
    return set(ranked[: round(len(ids) * share)])


def quality_questions(path):
    gold = tomllib.loads(Path(path).read_text())
    questions = gold["question"]
    test = set(gold.get("test") or [])
    if not test:
        test = lowest_sha256([q["id"] for q in questions])
        print(f"{path} has no `test` list: using the lowest-sha256 quarter", file=sys.stderr)
    out = []
    for q in questions:
        if not q.get("first") or not q.get("covered", True):
            continue
        out.append(
            {
                "id": q["id"],
                "split": "test" if q["id"] in test else "train",
                "question": q["question"],
                "history": q.get("history", []),
                "first": q["first"],
                "article": None,
                "corpus": None,
            }
        )
    return out


def dev_questions(folder, split_file):
    test_slugs = set(tomllib.loads(Path(split_file).read_text())["test"])
    out = []
    for n, line in enumerate((Path(folder) / "followups.tsv").read_text().splitlines()):
        if not line.strip() or line.startswith("#"):
            continue
        slug, history, question, expect = line.split("\t")
        if not expect.startswith("first:"):
            continue
        out.append(
            {
                "id": f"{slug}:{n}",
                "split": "test" if slug in test_slugs else "train",
                "question": question,
                "history": [] if history == "-" else history.split(" || "),
                "first": expect[len("first:"):],
                "article": slug,
                "corpus": "dev",
            }
        )
    return out


def candidates(args, q):
    """The question's candidates as (features, holds the fact), or None when it is declined."""
    command = [args.medcite]
    if q["corpus"] == "dev":
        command += ["--corpus", args.dev_corpus, "--index", args.dev_index]
    command += ["ask", "--offline", "--explain", "--json"]
    if q["article"]:
        command += ["--article", q["article"]]
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as history:
        json.dump([{"role": "user", "content": t} for t in q["history"]], history)
    if q["history"]:
        command += ["--history", history.name]
    command.append(q["question"])
    run = subprocess.run(command, capture_output=True, text=True)
    Path(history.name).unlink()
    if run.returncode != 0:
        print(f"{q['id']}: {run.stderr.strip()}", file=sys.stderr)
        return None
    explanation = json.loads(run.stdout)
    if not explanation["covered"]:
        return None
    out = []
    for c in explanation["candidates"]:
        features = dict(c["features"])
        if not any(features.get(f, 0) > 0 for f in WORD_FEATURES):
            continue
        text = (c.get("label") or "") + " " + c["quote"]
        out.append((features, holds(text, q["first"]), text))
    return out


def vectors(candidates_of, places):
    """Each candidate's features as the score reads them (a background quote's words shrunk,
    and the earlier turn's words of a quote naming nothing else the question asks)."""
    out = []
    for features, positive, _ in candidates_of:
        share = places["background_share"] if features.get("background") else 1.0
        alone = places["history_alone_share"] if features.get("history_alone") else 1.0
        x = [
            features.get(f, 0.0) * share * (alone if f == "history_words" else 1.0)
            for f in WORD_FEATURES
        ]
        x += [features.get(f, 0.0) for f in FLAG_FEATURES]
        out.append((x, positive))
    return out


def score(w, x):
    return sum(a * b for a, b in zip(w, x))


def top_right(w, groups):
    """How many questions' best-scoring candidate holds the fact (ties: the first listed)."""
    right = 0
    for group in groups:
        best = max(range(len(group)), key=lambda i: (score(w, group[i][0]), -i))
        right += group[best][1]
    return right


def fit(groups, prior, l2, steps, rate):
    w = list(prior)
    for _ in range(steps):
        grad = [l2 * (a - b) for a, b in zip(w, prior)]
        for group in groups:
            s = [score(w, x) for x, _ in group]
            top = max(s)
            e = [math.exp(v - top) for v in s]
            z = sum(e)
            zp = sum(v for v, (_, pos) in zip(e, group) if pos)
            for (x, pos), ev in zip(group, e):
                # d(-log zp/z)/dw = E_all[x] - E_pos[x]
                coef = ev / z - (ev / zp if pos else 0.0)
                for j, xj in enumerate(x):
                    grad[j] += coef * xj / len(groups)
        w = [a - rate * g for a, g in zip(w, grad)]
    return w


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--medcite", default="target/release/medcite")
    parser.add_argument("--quality", default="tests/gold/quality.toml")
    parser.add_argument("--dev", help="the droracle-dev folder (followups.tsv)")
    parser.add_argument("--dev-split", default="tests/gold/droracle-dev-split.toml")
    parser.add_argument("--dev-corpus")
    parser.add_argument("--dev-index")
    parser.add_argument("--model", default="data/answer-model.toml")
    parser.add_argument("--l2", type=float, default=0.05)
    parser.add_argument("--steps", type=int, default=400)
    parser.add_argument("--rate", type=float, default=0.5)
    parser.add_argument("--write", action="store_true", help="write the fitted weights")
    parser.add_argument(
        "--misses", action="store_true", help="list the train questions the file's weights miss"
    )
    args = parser.parse_args()

    model = tomllib.loads(Path(args.model).read_text())
    prior = [model["weights"][f] for f in ALL]
    questions = quality_questions(args.quality)
    if args.dev:
        if not (args.dev_corpus and args.dev_index):
            parser.error("--dev needs --dev-corpus and --dev-index")
        questions += dev_questions(args.dev, args.dev_split)
    with ThreadPoolExecutor(max_workers=2) as pool:
        found = list(pool.map(lambda q: candidates(args, q), questions))
    groups = {"train": [], "test": []}
    for q, cands in zip(questions, found):
        if not cands:
            continue
        group = vectors(cands, model["places"])
        # A question none of whose candidates holds the fact teaches the ranking nothing.
        if any(pos for _, pos in group):
            groups[q["split"]].append(group)
            best = max(range(len(group)), key=lambda i: (score(prior, group[i][0]), -i))
            if args.misses and q["split"] == "train" and not group[best][1]:
                right = next(i for i, (_, pos) in enumerate(group) if pos)
                print(f"MISS {q['id']} {q['question']!r} (first: {q['first']})")
                for tag, i in (("top", best), ("answer", right)):
                    print(f"  {tag} {score(prior, group[i][0]):.2f} {cands[i][0]}")
                    print(f"      {cands[i][2][:150]}")
    fitted = fit(groups["train"], prior, args.l2, args.steps, args.rate)
    print(f"{'feature':26} {'file':>8} {'fitted':>8}")
    for name, a, b in zip(ALL, prior, fitted):
        print(f"{name:26} {a:8.3f} {b:8.3f}")
    for split in ("train", "test"):
        n = len(groups[split])
        print(
            f"{split}: best candidate holds the first fact: file {top_right(prior, groups[split])}/{n}, "
            f"fitted {top_right(fitted, groups[split])}/{n}"
        )
    if args.write:
        text = Path(args.model).read_text()
        for name, value in zip(ALL, fitted):
            text = re.sub(
                rf"(?m)^{name} = [-0-9.]+", f"{name} = {round(value, 3)}", text, count=1
            )
        Path(args.model).write_text(text)
        print(f"wrote the fitted weights into {args.model}")


if __name__ == "__main__":
    main()
