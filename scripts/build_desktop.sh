#!/usr/bin/env bash
# Builds the one-folder desktop app (CPU only) into dist/banglahate-gui and smoke-starts it offscreen:
# it opens docs/examples/meme.png, waits for the analysis and checks a clean exit. Not part of CI (minutes).
#
#   bash scripts/build_desktop.sh               # build, then check and smoke-start
#   bash scripts/build_desktop.sh --smoke-only  # check and smoke-start the existing dist/banglahate-gui
#
# The build gets its own venv (build/desktop/venv) with CPU torch, so no CUDA library can travel.
# Environment: TORCH_VERSION (2.13.0+cpu), TORCHVISION_VERSION (0.28.0), TORCH_INDEX (an extra pip index that
# serves the CPU wheels, e.g. https://download.pytorch.org/whl/cpu; not needed where pip already finds them),
# NICENESS (15).
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD=build/desktop
VENV=$BUILD/venv
DIST=dist/banglahate-gui
APP_ID=org.banglahate.Moderator
NICE=(nice -n "${NICENESS:-15}")

[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
PY=$VENV/bin/python
build_s="not rebuilt"
if [ "${1:-}" != "--smoke-only" ]; then
    # CPU torch first, so that the project's own dependencies are already met and pull no CUDA build.
    "$PY" -m pip install -q ${TORCH_INDEX:+--extra-index-url "$TORCH_INDEX"} \
        "torch==${TORCH_VERSION:-2.13.0+cpu}" "torchvision==${TORCHVISION_VERSION:-0.28.0}"
    "$PY" -m pip install -q ".[desktop]"
    "$PY" -m pip install -q --no-deps --force-reinstall .  # this tree, with its package data (models, notices)
    if "$PY" -m pip list 2>/dev/null | grep -qi '^nvidia-'; then
        echo "error: CUDA packages in $VENV; this is a CPU build" >&2; exit 1
    fi
    t0=$(date +%s)
    # PyInstaller's hooks import easyocr (hence torchvision) in the build venv: same shim as the frozen app.
    (cd "$BUILD" && PYTHONPATH="$OLDPWD/packaging/buildenv" "${NICE[@]}" "$OLDPWD/$PY" -m PyInstaller --noconfirm \
        --log-level WARN --distpath "$OLDPWD/dist" --workpath "$OLDPWD/$BUILD/work" "$OLDPWD/packaging/banglahate-gui.spec")
    build_s="built in $(( $(date +%s) - t0 ))s"
fi

# The data-licence notice next to the executable; desktop integration files laid out as under a prefix
# (share/...), ready to copy to ~/.local or /usr.
install -Dm644 banglahate_gui/resources/licences/NOTICE.md "$DIST/NOTICE.md"
install -Dm644 packaging/$APP_ID.desktop "$DIST/share/applications/$APP_ID.desktop"
install -Dm644 packaging/$APP_ID.metainfo.xml "$DIST/share/metainfo/$APP_ID.metainfo.xml"
install -Dm644 packaging/$APP_ID.svg "$DIST/share/icons/hicolor/scalable/apps/$APP_ID.svg"
install -Dm644 packaging/$APP_ID.png "$DIST/share/icons/hicolor/256x256/apps/$APP_ID.png"

cuda=$(find "$DIST" \( -path '*/nvidia/*' -o -name 'libcud*' -o -name 'libtorch_cuda*' -o -name 'libc10_cuda*' \
    -o -name 'libnccl*' -o -name 'libcublas*' \) -print)
if [ -n "$cuda" ]; then echo "error: CUDA libraries in the build:" >&2; echo "$cuda" >&2; exit 1; fi
for f in NOTICE.md _internal/banglahate_gui/resources/licences/NOTICE.md \
         _internal/banglahate_gui/resources/models/banglahatenet-mini/bundle.json; do
    [ -f "$DIST/$f" ] || { echo "error: $f missing from the build" >&2; exit 1; }
done

# Smoke start: offscreen, a throwaway home (settings, review log), one meme analysed, clean exit.
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
t0=$EPOCHREALTIME
HOME=$tmp XDG_CONFIG_HOME=$tmp/config QT_QPA_PLATFORM=offscreen \
    timeout 300 "$DIST/banglahate-gui" docs/examples/meme.png --log "$tmp/log.sqlite3" --smoke-out "$tmp/smoke.jsonl"
smoke_s=$(awk "BEGIN { printf \"%.1f\", $EPOCHREALTIME - $t0 }")
"$PY" - "$tmp/smoke.jsonl" <<'EOF'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1], encoding="utf-8")]
assert len(rows) == 1 and not rows[0]["error"] and rows[0]["analysis"], rows
a = rows[0]["analysis"]
print(f"smoke: {rows[0]['name']}: text {a['text']!r}, P(hate) {a['prediction']['hate_probability']}, "
      f"bundle {a['bundle_id']}")
EOF

echo "$DIST (${build_s}): $(du -sh "$DIST" | cut -f1) in $(find "$DIST" -type f | wc -l) files;" \
     "smoke start (launch, load models, OCR + classify one meme, exit) ${smoke_s}s"
echo "largest parts:"; du -sh "$DIST"/_internal/* | sort -h | tail -8
