#!/usr/bin/env bash
# Installs everything on a fresh Debian/Ubuntu machine: system packages, a venv (.venv or $VENV), the project.
set -euo pipefail
cd "$(dirname "$0")/.."

export DEBIAN_FRONTEND=noninteractive
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
$SUDO apt-get update -qq
# Tesseract with Bengali + English data, Bengali fonts (test images are rendered), Qt's runtime libraries.
$SUDO apt-get install -y -qq --no-install-recommends \
    python3-venv tesseract-ocr tesseract-ocr-ben tesseract-ocr-eng fonts-beng fonts-noto-core fonts-dejavu-core \
    fonts-liberation2 fonts-roboto-unhinted fonts-open-sans \
    fontconfig libgl1 libglib2.0-0 libegl1 libxkbcommon0 libfontconfig1 libdbus-1-3 >/dev/null
# Everything Qt's xcb platform plugin (a real X display) links to, checked with ldd below; Xvfb for CI.
$SUDO apt-get install -y -qq --no-install-recommends \
    libx11-6 libx11-xcb1 libxcb1 libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0 \
    libxcb-render0 libxcb-render-util0 libxcb-shape0 libxcb-shm0 libxcb-sync1 libxcb-util1 libxcb-xfixes0 \
    libxcb-xinerama0 libxcb-xinput0 libxcb-xkb1 libxkbcommon-x11-0 xvfb xauth >/dev/null

VENV=${VENV:-.venv}
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip
# EasyOCR needs torchvision; this pair is on the local disk (the CPU torch 2.13.0 file has no matching torchvision).
"$VENV/bin/python" -m pip install -q torch==2.14.1 torchvision==0.29.1
"$VENV/bin/python" -m pip install -q -e ".[gui,train,test,onnx,ray]"
qt=$("$VENV/bin/python" -c "import os, PySide6; print(os.path.join(os.path.dirname(PySide6.__file__), 'Qt'))")
if ldd "$qt/plugins/platforms/libqxcb.so" "$qt"/plugins/xcbglintegrations/*.so | grep "not found"; then
    echo "error: Qt's xcb platform plugin is missing the system libraries above" >&2; exit 1
fi
echo "installed into $VENV"
