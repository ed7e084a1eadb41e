#!/usr/bin/env bash
# The project's test command (README): the whole suite, offscreen Qt, real OCR engines.
set -euo pipefail
cd "$(dirname "$0")/.."
export QT_QPA_PLATFORM=offscreen
exec python -m pytest -q "$@"
