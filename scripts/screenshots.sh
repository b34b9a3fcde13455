#!/usr/bin/env bash
# Rewrites the README's pictures in docs/screenshots/: a fresh `wenku serve` with its demo library (the real program in
# its own process, on a free port of 127.0.0.1, in a temporary data folder), Debian's chromium through Playwright, the
# main pages (home, category, search, a document with the reader, upload with its progress, /me) at desktop
# (1280×800) and phone (390×844) size, in Chinese and in English; the embed snippet as text; one blog page embedding a
# document. Then pngquant shrinks every PNG. The test behind it (ReadmeScreenshots, trait Category=Screenshots) runs only
# with WENKU_SCREENSHOTS=1, so CI reports it as skipped and never rewrites the committed pictures.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --tests            # chromium, axe-core, pngquant
dotnet build -c Release
WENKU_SCREENSHOTS=1 dotnet test tests/Wenku.Tests -c Release --no-build --filter "Category=Screenshots"
# 256 colours are plenty for pages of flat colour and text. pngquant leaves a picture as it was, with exit code 98
# (no smaller) or 99 (not good enough at that quality): both are fine here.
for f in docs/screenshots/*.png; do
  pngquant --force --skip-if-larger --strip --speed 1 --quality 65-90 --ext .png "$f" || case $? in 98|99) ;; *) exit 1 ;; esac
done
du -ch docs/screenshots/*.png | tail -1
