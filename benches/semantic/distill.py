"""Distils all-MiniLM-L6-v2 into the word-neighbour table `data/semantic/neighbours.tsv`.

Every word of a general vocabulary is embedded alone by the transformer; the vectors are centred
and stripped of their top principal components (single-word vectors share a large common
direction that makes every pair look alike), and each word keeps its nearest words above a
floor. medcite reads the table at start-up and adds, for a query word, those neighbours that the
corpus has as weighted query terms: a table lookup, no model at run time.

Vocabulary (nothing from medcite's own corpus): the whole words of the model's WordPiece
vocabulary, and the words occurring at least twice in PubMedQA's labelled dev split
(`--pubmedqa`, MIT licence), for the clinical vocabulary a general word list lacks.

Deterministic: same inputs, same file. Usage (see README, "Semantic matching"):
    python benches/semantic/distill.py --pubmedqa ../shared/pubmedqa/pqal_dev.json \
        --out data/semantic/neighbours.tsv
"""

import argparse
import collections
import json
import re
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from minilm import MiniLM  # noqa: E402

WORD = re.compile(r"[a-z]+")


def vocabulary(model: MiniLM, pubmedqa: Path | None, min_count: int) -> list[str]:
    words = set()
    for token in model.tokenizer.get_vocab():
        if WORD.fullmatch(token) and 3 <= len(token) <= 30:
            words.add(token)
    if pubmedqa:
        counts = collections.Counter()
        for item in json.loads(pubmedqa.read_text()).values():
            text = " ".join([item["QUESTION"], *item["CONTEXTS"], item["LONG_ANSWER"], *item.get("MESHES", [])])
            counts.update(w for w in WORD.findall(text.lower()) if 3 <= len(w) <= 30)
        words.update(w for w, n in counts.items() if n >= min_count)
    return sorted(words)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pubmedqa", type=Path, help="PubMedQA pqal json whose words join the vocabulary")
    ap.add_argument("--min-count", type=int, default=2)
    ap.add_argument("--components", type=int, default=3, help="top principal components removed")
    ap.add_argument("--neighbours", type=int, default=8, help="neighbours kept per word")
    ap.add_argument("--floor", type=float, default=0.5, help="least similarity kept")
    ap.add_argument("--vectors", type=Path, help="also save the processed vectors (.npy) here")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()

    started = time.time()
    model = MiniLM()
    words = vocabulary(model, args.pubmedqa, args.min_count)
    print(f"{len(words)} words", file=sys.stderr)
    vectors = model.encode(words).astype(np.float64)
    print(f"embedded in {time.time() - started:.0f}s", file=sys.stderr)
    vectors -= vectors.mean(0)
    # Remove the dominant directions (Mu & Viswanath 2018, "all-but-the-top").
    _, _, vt = np.linalg.svd(vectors, full_matrices=False)
    top = vt[: args.components]
    vectors -= (vectors @ top.T) @ top
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    vectors = vectors.astype(np.float32)
    if args.vectors:
        np.save(args.vectors, vectors)

    args.out.parent.mkdir(parents=True, exist_ok=True)
    lines = []
    block = 2048
    for start in range(0, len(words), block):
        sims = vectors[start : start + block] @ vectors.T
        for row in range(sims.shape[0]):
            i = start + row
            sims[row, i] = -1.0
            best = np.argpartition(-sims[row], args.neighbours)[: args.neighbours]
            # Ties broken by word so the file is the same on every machine.
            best = sorted(best, key=lambda j: (-round(float(sims[row, j]), 2), words[j]))
            kept = [f"{words[j]}:{sims[row, j]:.2f}" for j in best if sims[row, j] >= args.floor]
            if kept:
                lines.append(words[i] + "\t" + " ".join(kept))
    header = (
        "# medcite word neighbours, distilled from all-MiniLM-L6-v2 by benches/semantic/distill.py\n"
        f"# {len(words)} words embedded; {args.components} top components removed; "
        f"<= {args.neighbours} neighbours with cosine >= {args.floor}\n"
        "# word<TAB>neighbour:cosine ...\n"
    )
    args.out.write_text(header + "\n".join(lines) + "\n")
    print(f"{len(lines)} words with neighbours, {args.out.stat().st_size} bytes, {time.time() - started:.0f}s", file=sys.stderr)


if __name__ == "__main__":
    main()
