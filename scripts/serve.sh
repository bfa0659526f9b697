#!/usr/bin/env bash
# Sets up and serves tagsvc on an embedded SQLite database (instance/tagsvc.db) with demo data.
source "$(dirname "$0")/_setup.sh"
echo "== Migrating the database"
.venv/bin/tagsvc db upgrade
.venv/bin/tagsvc load-demo --if-empty
exec .venv/bin/tagsvc serve --host "${HOST:-0.0.0.0}" --port "${PORT:-5000}"
