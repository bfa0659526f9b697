#!/usr/bin/env bash
# Sets up and serves tagsvc on an embedded SQLite database (instance/tagsvc.db) with demo data.
source "$(dirname "$0")/_setup.sh"
# The label font: Chinese names in label PDFs (Debian's WenQuanYi Micro Hei, embedded as a subset).
if [ ! -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ]; then
  echo "== Installing the label font from Debian: fonts-wqy-microhei"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq fonts-wqy-microhei >/dev/null \
    || echo "   (could not install it: the app runs, but label PDFs need it; set TAGSVC_LABEL_FONT to another TrueType CJK font)"
fi
echo "== Migrating the database"
.venv/bin/tagsvc db upgrade
.venv/bin/tagsvc load-demo --if-empty
exec .venv/bin/tagsvc serve --host "${HOST:-0.0.0.0}" --port "${PORT:-5000}" --https-port "${HTTPS_PORT:-5443}"
