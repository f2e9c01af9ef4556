#!/usr/bin/env python3
"""Writes src/Cora.Training/Tokenizers/Data/strip-accents.txt: for every code point whose canonical
decomposition (NFD) differs from itself, what BERT's `_run_strip_accents` leaves of it — NFD, then
every character of category Mn removed. Hangul syllables are left out: their decomposition is
algorithmic and computed in code (WordPieceTokenizer's text rules).

Cora builds with InvariantGlobalization, where .NET's string.Normalize does not decompose, so the
table is data. Lines: `XXXX YYYY ZZZZ` (hex code point, then the code points it becomes; nothing
after the first field when it becomes empty). Generated with Debian 12's /usr/bin/python3 3.11
(unicodedata.unidata_version 14.0.0):

    /usr/bin/python3 tools/unicode/make_strip_accents.py
"""
import sys
import unicodedata

lines = [f"# unicodedata {unicodedata.unidata_version}: NFD minus Mn (tools/unicode/make_strip_accents.py)"]
for cp in range(sys.maxunicode + 1):
    if 0xAC00 <= cp <= 0xD7A3 or 0xD800 <= cp <= 0xDFFF:
        continue
    c = chr(cp)
    nfd = unicodedata.normalize("NFD", c)
    if nfd == c:
        continue
    kept = [x for x in nfd if unicodedata.category(x) != "Mn"]
    lines.append(" ".join([f"{cp:04X}"] + [f"{ord(x):04X}" for x in kept]))
with open("src/Cora.Training/Tokenizers/Data/strip-accents.txt", "w") as f:
    f.write("\n".join(lines) + "\n")
