#!/usr/bin/env python3
"""Derive src/Cora.Training/Scoring/Data/wordnet-synonyms.txt.gz from WordNet 3.0.

Input: the WordNet 3.0 database as Debian's `wordnet-base` installs it (default
/usr/share/wordnet: index.{noun,verb,adj,adv}, data.*, *.exc). Only needed to
regenerate the file; Cora reads the derived file and never needs WordNet itself.

The output keeps exactly what NLTK 3.8's `wordnet.synsets(word)` needs for ANY word
(so that morphy can run at lookup time), and what METEOR reads of the result:

  @synsets <count>        one line per synset (data.noun, data.verb, data.adj, data.adv in
                          file order): its lemma names, space separated, syntactic markers
                          such as "(a)" stripped, names containing "_" left out (METEOR
                          ignores them); the line number is the synset's id
  @index <pos> <count>    one line per lemma of index.<pos>: the lemma, then the ids of its
                          synsets in index order (pos is n, v, a, r)
  @exc <pos> <count>      one line per entry of <pos>.exc: the inflected form, then its base
                          forms; a later line for the same form replaces an earlier one

Usage: python3 tools/wordnet/generate.py [/usr/share/wordnet] [output.txt.gz]
"""
import gzip
import re
import sys

POS_FILES = [("n", "noun"), ("v", "verb"), ("a", "adj"), ("r", "adv")]
MARKER = re.compile(r"(.*?)(\(.*\))?$")


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/wordnet"
    out = sys.argv[2] if len(sys.argv) > 2 else "src/Cora.Training/Scoring/Data/wordnet-synonyms.txt.gz"

    synsets = []  # lemma-name lists
    ids = {}  # (file suffix, byte offset) -> id
    for _, suffix in POS_FILES:
        with open(f"{root}/data.{suffix}", "rb") as f:
            offset = 0
            for raw in f:
                line = raw.decode("utf-8")
                if not line.startswith("  "):  # the licence header lines start with two spaces
                    tokens = line.split()
                    assert int(tokens[0]) == offset, (suffix, offset)
                    count = int(tokens[3], 16)
                    names = []
                    for k in range(count):
                        name = MARKER.match(tokens[4 + 2 * k]).group(1)
                        if "_" not in name:
                            names.append(name)
                    ids[(suffix, offset)] = len(synsets)
                    synsets.append(names)
                offset += len(raw)

    lines = [f"@synsets {len(synsets)}"]
    lines.extend(" ".join(names) for names in synsets)

    for pos, suffix in POS_FILES:
        entries = {}
        with open(f"{root}/index.{suffix}", encoding="utf-8") as f:
            for line in f:
                if line.startswith(" "):
                    continue
                tokens = line.split()
                lemma, line_pos, n_synsets, n_pointers = tokens[0], tokens[1], int(tokens[2]), int(tokens[3])
                assert line_pos == pos and n_synsets > 0
                first = 4 + n_pointers + 2
                assert int(tokens[4 + n_pointers]) == n_synsets
                offsets = [int(t) for t in tokens[first:first + n_synsets]]
                entries[lemma] = [ids[(suffix, o)] for o in offsets]
        lines.append(f"@index {pos} {len(entries)}")
        lines.extend(lemma + " " + " ".join(map(str, s)) for lemma, s in entries.items())

    for pos, suffix in POS_FILES:
        exceptions = {}
        with open(f"{root}/{suffix}.exc", encoding="utf-8") as f:
            for line in f:
                terms = line.split()
                exceptions[terms[0]] = terms[1:]
        lines.append(f"@exc {pos} {len(exceptions)}")
        lines.extend(" ".join([form] + bases) for form, bases in exceptions.items())

    # mtime=0 keeps the output byte-identical from run to run.
    with open(out, "wb") as f, gzip.GzipFile(filename="", mode="wb", fileobj=f, compresslevel=9, mtime=0) as z:
        z.write(("\n".join(lines) + "\n").encode("utf-8"))


if __name__ == "__main__":
    main()
