#!/usr/bin/env bash
# Debian packages the browser, poster and PDF tests need: Chromium (driven by Playwright, never
# downloaded by it), zbar (QR decoding) and poppler (PDF rasterizing). Idempotent; a no-op when
# everything is there. Needs root (CI runs as root) or sudo.
set -euo pipefail
want=()
command -v chromium >/dev/null || want+=(chromium)
command -v zbarimg >/dev/null || want+=(zbar-tools)
command -v pdftoppm >/dev/null || want+=(poppler-utils)
fc-list 2>/dev/null | grep -qi "noto sans cjk" || want+=(fonts-noto-cjk)
# Door posters embed IPAGothic: a CJK font with TrueType outlines (reportlab cannot embed
# Noto CJK's CFF outlines), so every viewer and printer draws the same text.
[ -f /usr/share/fonts/opentype/ipafont-gothic/ipag.ttf ] || want+=(fonts-ipafont-gothic)
# Emoji icons in the member app's screenshots (`make screenshots`).
fc-list 2>/dev/null | grep -qi "noto color emoji" || want+=(fonts-noto-color-emoji)
if [ ${#want[@]} -eq 0 ]; then exit 0; fi
echo "installing Debian packages: ${want[*]}"
sudo_cmd=""
if [ "$(id -u)" != 0 ]; then sudo_cmd="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo_cmd apt-get update -qq || true
$sudo_cmd apt-get install -y -qq --no-install-recommends "${want[@]}"
