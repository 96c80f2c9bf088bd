#!/usr/bin/env python3
"""Writes accent-table.txt: for each code point (Hangul syllables excepted) whose canonical decomposition without
non-spacing marks differs from itself, one line "CP: CP CP ..." in hexadecimal (an empty right side: removed).
This is what Hugging Face's BertTokenizer does to every character when it strips accents:
unicodedata.normalize("NFD", c) with every character of category Mn dropped.
Run: python3 make-accent-table.py > accent-table.txt  (the Unicode version is Python's unicodedata's)."""
import sys
import unicodedata

print(f"# Unicode {unicodedata.unidata_version}: NFD without Mn, from make-accent-table.py")
for cp in range(0x110000):
    if 0xAC00 <= cp <= 0xD7A3:
        continue  # Hangul syllables decompose algorithmically (Unicode 3.12); BertNormalizer does that in code
    c = chr(cp)
    if unicodedata.category(c) in ("Mn", "Cs"):
        continue
    stripped = "".join(x for x in unicodedata.normalize("NFD", c) if unicodedata.category(x) != "Mn")
    if stripped != c:
        print(f"{cp:X}:" + "".join(f" {ord(x):X}" for x in stripped))
