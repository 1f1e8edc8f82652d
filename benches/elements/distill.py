#!/usr/bin/env python3
"""Distils data/elements.tsv, the chemical elements' symbols and names, from periodictable.

periodictable (PyPI, public domain, the NIST-derived periodic table of the elements) holds each
element's name and symbol. Clinicians write electrolytes by their symbols ("K 6.8", "Na 118",
"Mg 1.2"); medcite reads a symbol as its element's name when the article names that element
(see src/shorthand.rs).

    pip download --no-deps periodictable==2.1.0 && unzip periodictable-2.1.0-py3-none-any.whl
    PYTHONPATH=. python3 benches/elements/distill.py > data/elements.tsv
"""
from periodictable.core import element_base


def main():
    print("# Chemical elements' symbols and names, distilled from periodictable 2.1.0 (public")
    print("# domain) by benches/elements/distill.py.")
    print("# symbol<TAB>name")
    for number in sorted(element_base):
        name, symbol, _, _ = element_base[number]
        if number > 0:
            print(f"{symbol}\t{name.lower()}")


if __name__ == "__main__":
    main()
