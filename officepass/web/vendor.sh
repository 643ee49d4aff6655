#!/usr/bin/env bash
# Refresh the member app's vendored front-end files from the npm registry (`make vendor-web`).
# Nothing is downloaded at run or test time: the files below are committed.
#   leaflet 1.9.4  → static/web/vendor/leaflet.js, leaflet.css, images/   (BSD-2-Clause)
#   jsqr 1.4.0     → static/web/vendor/jsQR.js                            (Apache-2.0)
#   lucide-static 1.62.0 → static/web/vendor/lucide/<icon>.svg, LICENSE  (ISC)
#     only the icons the member app draws ({% icon %} in web_tags; list below)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dest="$here/static/web/vendor"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
ICONS="house map-pin scan-qr-code ticket circle-user-round lock-open moon armchair phone coffee ban
users printer lock check circle-check x camera locate-fixed star bell"
npm pack --silent leaflet@1.9.4 jsqr@1.4.0 lucide-static@1.62.0 >/dev/null
mkdir leaflet jsqr lucide
tar xzf lucide-static-1.62.0.tgz -C lucide
tar xzf leaflet-1.9.4.tgz -C leaflet
tar xzf jsqr-1.4.0.tgz -C jsqr
mkdir -p "$dest/images"
cp leaflet/package/dist/leaflet.js leaflet/package/dist/leaflet.css "$dest/"
cp leaflet/package/dist/images/* "$dest/images/"
cp jsqr/package/dist/jsQR.js "$dest/"
rm -rf "$dest/lucide" && mkdir -p "$dest/lucide"
for icon in $ICONS; do cp "lucide/package/icons/$icon.svg" "$dest/lucide/"; done
cp lucide/package/LICENSE "$dest/lucide/LICENSE"
echo "vendored leaflet 1.9.4, jsqr 1.4.0 and lucide-static 1.62.0 icons into $dest"
