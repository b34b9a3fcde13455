#!/usr/bin/env bash
# Installs what Wenku needs from Debian: poppler (PDF conversion) with poppler-data (the CMaps and font tables for
# PDFs whose Chinese or Japanese fonts are not embedded: without it they render blank with no text), MuPDF's mutool
# (the fallback for PDFs poppler cannot open), CJK fonts (rendering and demo PDFs),
# prlimit (converter limits), LibreOffice without its GUI (Office, WPS, ODF, RTF to PDF), tesseract with Chinese and
# English (OCR), 7zip (writes the 7z archives the tests read), e2fsprogs and mount (the full-disk tests mount a small
# ext4 image), openssl (the Alipay tests check our RSA2 signatures with it), chromium (the browser tests drive Debian's
# headless chromium through Playwright; nothing is downloaded), libwebp7 (WebP previews at libwebp's fastest method),
# libturbojpeg0 (JPEG previews through TurboJPEG with the fast DCT; without it SkiaSharp's encoder is used), and for the
# benchmarks wrk and nginx. With --tests also what only the tests use: Node.js and npm, axe-core (npm; the browser tests
# run it on every page they check), and pngquant (scripts/screenshots.sh shrinks the README's PNGs). Safe to run again:
# it installs only what is missing.
set -euo pipefail
packages=(poppler-utils poppler-data mupdf-tools fonts-noto-cjk util-linux wrk nginx-light
  libreoffice-writer-nogui libreoffice-calc-nogui libreoffice-impress-nogui libreoffice-draw-nogui
  tesseract-ocr tesseract-ocr-chi-sim tesseract-ocr-eng libtiff-tools 7zip e2fsprogs mount openssl chromium libwebp7 libturbojpeg0)
for_tests=false
[ "${1:-}" = "--tests" ] && for_tests=true
# (Node.js from Debian unless the machine has a node and npm already, as services.sh does for s3rver.)
if $for_tests && ! { command -v node && command -v npm; } >/dev/null; then packages+=(nodejs npm); fi
if $for_tests; then packages+=(pngquant); fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing: ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq -o DPkg::Lock::Timeout=600 --no-install-recommends "${missing[@]}" >/dev/null
fi
command -v dotnet >/dev/null || { echo "The .NET 10 SDK is required (dotnet on PATH)." >&2; exit 1; }

# axe-core, pinned, into .artifacts/node-tools (gitignored): the accessibility check of the browser tests.
axe_version=4.14.1
if $for_tests; then
  root="$(cd "$(dirname "$0")/.." && pwd)"
  tools="$root/.artifacts/node-tools"
  if [ "$(node -p "try { require('$tools/node_modules/axe-core/package.json').version } catch { '' }" 2>/dev/null)" != "$axe_version" ]; then
    mkdir -p "$tools"
    npm install --prefix "$tools" --no-audit --no-fund --silent "axe-core@$axe_version" >/dev/null
  fi
fi
