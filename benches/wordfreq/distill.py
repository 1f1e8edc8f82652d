"""Writes data/common-words.txt: the English words common enough (Zipf frequency >= 4.0, about
once in 10,000 words of ordinary text) that a word of a model's own sentence among them is taken
as ordinary English, not as a name of a drug, test or population (src/verify/claims.rs).
With --long-out, also the long words (9 letters or more) of written English at Zipf >= 3.0 (about
once in 100,000 words): a long word of a question among them ("rethinking", "tolerated") is an
everyday word, not a term of its own that declines the question when the sources lack it
(src/retrieve.rs, coverage).

Source: the PyPI package wordfreq 3.1.1 (code Apache-2.0; its frequency data CC BY-SA 4.0, by
Robyn Speer and contributors, from Wikipedia, subtitles, news, books, web text and more), so the
list it writes is CC BY-SA 4.0 too. Deterministic for one wordfreq version.

    python3 -m venv target/wordfreq/venv
    target/wordfreq/venv/bin/pip install wordfreq==3.1.1
    target/wordfreq/venv/bin/python benches/wordfreq/distill.py --out data/common-words.txt \
        --long-out data/long-words.txt
"""

import argparse
from importlib.metadata import version

import wordfreq

THRESHOLD = 4.0
LONG_THRESHOLD = 3.0
LONG_LETTERS = 9


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--long-out")
    args = parser.parse_args()
    words = [
        w
        for w in wordfreq.top_n_list("en", 60000)
        if w.isalpha() and wordfreq.zipf_frequency(w, "en") >= THRESHOLD
    ]
    with open(args.out, "w", encoding="utf-8") as out:
        out.write(
            f"# English words with Zipf frequency >= {THRESHOLD} in wordfreq {version('wordfreq')}\n"
            "# (data CC BY-SA 4.0, Robyn Speer and contributors), one a line, commonest first.\n"
            "# Written by benches/wordfreq/distill.py; do not edit by hand.\n"
        )
        for w in words:
            out.write(w + "\n")
    if args.long_out:
        long_words = [
            w
            for w in wordfreq.top_n_list("en", 200000)
            if w.isalpha()
            and len(w) >= LONG_LETTERS
            and wordfreq.zipf_frequency(w, "en") >= LONG_THRESHOLD
        ]
        with open(args.long_out, "w", encoding="utf-8") as out:
            out.write(
                f"# English words of {LONG_LETTERS} letters or more with Zipf frequency >= {LONG_THRESHOLD}\n"
                f"# in wordfreq {version('wordfreq')} (data CC BY-SA 4.0, Robyn Speer and contributors),\n"
                "# one a line, commonest first. Written by benches/wordfreq/distill.py; do not edit by hand.\n"
            )
            for w in long_words:
                out.write(w + "\n")


if __name__ == "__main__":
    main()
