#!/usr/bin/env bash
# The document page on a phone: headless Chromium (Debian's, driven by Playwright) with a 390 px phone profile at
# device pixel ratios 2 and 3, on loopback: largest contentful paint, cumulative layout shift and the bytes downloaded
# to see the first three preview pages, for a document with sized previews (phone and desktop sizes, WebP with a JPEG
# fallback) beside the same kind of document as the page served it before (one 1400 px JPEG per page). See bench/README.md.
# Usage: bench/browser.sh
exec "$(dirname "$0")/run.sh" --only browser "$@"
