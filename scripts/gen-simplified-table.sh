#!/usr/bin/env bash
# Regenerates src/Wenku/Text/Data/unihan-simplified.txt: one "traditional simplified" pair per line, from the
# kSimplifiedVariant field of the Unicode Unihan database (Debian package unicode-data). Characters that are their
# own simplified form (乾 stays 乾 in some words) and characters outside the BMP are left out, so every mapping is
# one UTF-16 unit to one and text offsets survive folding. Two variants Unihan lists only as semantic are added.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && apt-get download unicode-data >/dev/null && dpkg -x unicode-data_*.deb x)
bzcat "$tmp"/x/usr/share/unicode/Unihan_Variants.txt.bz2 | python3 -c '
import sys
for line in sys.stdin:
    if line.startswith("#") or "\tkSimplifiedVariant\t" not in line: continue
    src, _, vals = line.rstrip("\n").split("\t")
    s = int(src[2:], 16); vs = [int(v.split("<")[0][2:], 16) for v in vals.split()]
    if s in vs or s > 0xFFFF or vs[0] > 0xFFFF: continue
    print(chr(s) + chr(vs[0]))
' > src/Wenku/Text/Data/unihan-simplified.txt
printf '裡里\n裏里\n' >> src/Wenku/Text/Data/unihan-simplified.txt
wc -l src/Wenku/Text/Data/unihan-simplified.txt
