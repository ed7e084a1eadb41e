"""Where shipped resources (default model bundle, OCR recognizer, licence notices) live: package data of
`banglahate_gui`."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

RESOURCES_ENV = "BANGLAHATE_RESOURCES"
DEFAULT_BUNDLE_NAME = "banglahatenet-mini"
CLASSIFIER = "classifier"
RECOGNIZER = "OCR recognizer"


def resources_dir() -> Path:
    """`$BANGLAHATE_RESOURCES`, else the `resources/` package data installed with `banglahate_gui`."""
    override = os.environ.get(RESOURCES_ENV)
    if override:
        return Path(override)
    return Path(str(files("banglahate_gui") / "resources"))


def default_bundle_dir() -> Path:
    return resources_dir() / "models" / DEFAULT_BUNDLE_NAME


def default_recognizer_dir() -> Path:
    return resources_dir() / "ocr"


def licences_dir() -> Path:
    """The licence notices installed with the package (never overridden: they describe the shipped models)."""
    return Path(str(files("banglahate_gui") / "resources" / "licences"))


def notice_path() -> Path:
    """`NOTICE.md`: the human-readable data-licence notice (rendered from `data_licences.json`)."""
    return licences_dir() / "NOTICE.md"


@dataclass(frozen=True)
class DataLicence:
    """The licence of one data source the shipped weights were trained on, and which models used it."""

    source: str
    title: str
    licence: str
    upstream: str
    terms: tuple[str, ...]
    """Plain-word obligations, e.g. "non-commercial", "share-alike", "research use only"."""
    used_by: tuple[str, ...]
    """`CLASSIFIER` and/or `RECOGNIZER`."""

    @property
    def restrictive(self) -> bool:
        """True for non-commercial, share-alike/copyleft or research-only terms."""
        return bool({"non-commercial", "share-alike", "copyleft", "research use only"} & set(self.terms))

    def to_dict(self) -> dict:
        return {"source": self.source, "title": self.title, "licence": self.licence, "upstream": self.upstream,
                "terms": list(self.terms), "used_by": list(self.used_by)}


@dataclass(frozen=True)
class ThirdPartyModel:
    name: str
    licence: str
    upstream: str


@dataclass(frozen=True)
class LicenceNotice:
    """Everything `banglahate info`, the About box and the desktop build say about licences."""

    guidance: str
    data: tuple[DataLicence, ...]
    third_party: tuple[ThirdPartyModel, ...]
    notice_file: Path

    def summary(self) -> str:
        """One line per distinct licence with its terms and sources, for `info` and the About box."""
        by_licence: dict[str, list[DataLicence]] = {}
        for d in self.data:
            by_licence.setdefault(d.licence, []).append(d)
        lines = []
        for licence, items in sorted(by_licence.items(), key=lambda kv: not any(d.restrictive for d in kv[1])):
            terms = sorted({t for d in items for t in d.terms})
            lines.append(f"{licence} ({', '.join(terms)}): {', '.join(d.source for d in items)}")
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return {"guidance": self.guidance, "summary": self.summary(), "notice_file": str(self.notice_file),
                "data": [d.to_dict() for d in self.data],
                "third_party": [vars(m) for m in self.third_party]}


def _bundle_sources(bundle_dir: Path) -> tuple[str, ...] | None:
    """The data sources a bundle's provenance names, or None when it names none."""
    try:
        manifest = json.loads((bundle_dir / "bundle.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    sources = ((manifest.get("provenance") or {}).get("data") or {}).get("sources")
    return tuple(sources) if sources else None


def data_licences(bundle_dir: Path | None = None) -> LicenceNotice:
    """The licences of the data behind the classifier in `bundle_dir` (default: the shipped bundle) and the
    shipped OCR recognizer. A bundle whose provenance names no sources is assumed to use all of them; a
    source the notice file does not know is listed with licence "unknown"."""
    raw = json.loads((licences_dir() / "data_licences.json").read_text(encoding="utf-8"))
    known = {s["name"]: s for s in raw["sources"]}
    classifier = _bundle_sources(bundle_dir or default_bundle_dir())
    classifier = tuple(known) if classifier is None else classifier
    recognizer = tuple(raw["recognizer_sources"])
    data = []
    for name in dict.fromkeys((*known, *classifier, *recognizer)):
        used_by = tuple(c for c, names in ((CLASSIFIER, classifier), (RECOGNIZER, recognizer)) if name in names)
        if not used_by:
            continue
        s = known.get(name, {"title": name, "licence": "unknown", "upstream": "", "terms": ["no licence known"]})
        data.append(DataLicence(name, s["title"], s["licence"], s["upstream"], tuple(s["terms"]), used_by))
    third = tuple(ThirdPartyModel(m["name"], m["licence"], m["upstream"]) for m in raw["third_party_models"])
    return LicenceNotice(raw["guidance"], tuple(data), third, notice_path())


def render_notice() -> str:
    """NOTICE.md from `data_licences.json` (all known sources; `banglahate info` says which ones a bundle used)."""
    raw = json.loads((licences_dir() / "data_licences.json").read_text(encoding="utf-8"))
    recognizer = set(raw["recognizer_sources"])
    lines = [
        "# Data licence notice: BanglaHate Moderator's shipped models",
        "",
        "The program code is MIT-licensed. The shipped model weights (the classifier bundle in",
        "`resources/models/` and the OCR recognizer in `resources/ocr/`) were trained on the public data sets",
        "below, whose licences still apply to the weights. `banglahate info` lists the sources the installed",
        "classifier bundle names in its provenance.",
        "",
        raw["guidance"],
        "",
        "| source | data set | licence | terms | also trains the OCR recognizer | upstream |",
        "|---|---|---|---|---|---|",
    ]
    for s in raw["sources"]:
        lines.append(f"| {s['name']} | {s['title']} | {s['licence']} | {', '.join(s['terms'])} | "
                     f"{'yes' if s['name'] in recognizer else 'no'} | {s['upstream']} |")
    lines += ["", "Third-party model weights:", ""]
    lines += [f"- {m['name']}: {m['licence']} ({m['upstream']})" for m in raw["third_party_models"]]
    return "\n".join(lines) + "\n"
