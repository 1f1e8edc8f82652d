#!/usr/bin/env python3
"""Writes the word distribution of PubMedQA abstracts that `medcite bench` draws its synthetic
corpora from (src/bench/synth.rs, `Material::from_word_counts`).

usage: word_counts.py PQAL.json OUT.tsv
OUT holds `#` comment lines, then `heading<TAB>name<TAB>count` for every section label
(title-cased as `medcite import-pubmedqa` names them) and `word<TAB>word<TAB>count` for every
lower-cased word of the questions, contexts and long answers, most frequent first.
"""
import collections
import json
import re
import sys

MINOR = {"a", "an", "and", "as", "at", "by", "for", "in", "of", "on", "or", "the", "to", "with"}
WORD = re.compile(r"[^\W_]+(?:['’.\-][^\W_]+)*")


def section_name(label):
    label = label.strip()
    if not label or label.lower() == "unlabelled":
        return "Abstract"
    words = label.split()
    return " ".join(
        w.lower() if i > 0 and w.lower() in MINOR else w[:1].upper() + w[1:].lower()
        for i, w in enumerate(words)
    )


def main():
    source, out = sys.argv[1], sys.argv[2]
    with open(source, encoding="utf-8") as f:
        items = json.load(f)
    words = collections.Counter()
    headings = collections.Counter()
    for item in items.values():
        for text in [item["QUESTION"], item["LONG_ANSWER"], *item["CONTEXTS"]]:
            words.update(w.lower() for w in WORD.findall(text))
        headings.update(section_name(label) for label in item["LABELS"])
        headings["Conclusion"] += 1
    with open(out, "w", encoding="utf-8") as f:
        f.write(f"# Word and section-label counts of the {len(items)} PubMedQA items in {source.split('/')[-1]}\n")
        f.write("# (PubMedQA, MIT licence: tests/data/pubmedqa_LICENSE). Written by benches/word_counts.py.\n")
        for name, count in sorted(headings.items(), key=lambda x: (-x[1], x[0])):
            f.write(f"heading\t{name}\t{count}\n")
        for word, count in sorted(words.items(), key=lambda x: (-x[1], x[0])):
            f.write(f"word\t{word}\t{count}\n")
    print(f"{len(words)} distinct words, {sum(words.values())} in all, {len(headings)} headings", file=sys.stderr)


if __name__ == "__main__":
    main()
