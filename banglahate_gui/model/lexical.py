"""The lexical fusion member: char + word n-gram TF-IDF features and one linear layer per task.

Stored without pickle: `vocabulary.json` (the n-grams in feature order and the vectorizer settings) and
`lexical.safetensors` (idf, and per task a weight matrix and a bias). Loading checks every field and
tensor like the encoders' (`BundleError` names what is wrong). Conditional tasks are trained on the rows
where their condition holds and composed with it (`conditional.compose`), like the encoder heads.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from safetensors import SafetensorError
from safetensors.numpy import load_file, save_file
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

from banglahate_gui.errors import BundleError
from banglahate_gui.model.bundle import VOCAB_FILE, WEIGHTS_FILE
from banglahate_gui.model.conditional import compose
from banglahate_gui.model.schema import IGNORE_INDEX, TASKS, Task

LEXICAL_FORMAT = "banglahate-lexical/1"


@dataclass(frozen=True)
class LexicalConfig:
    char_ngrams: tuple[int, int] = (2, 5)
    word_ngrams: tuple[int, int] = (1, 2)
    char_features: int = 150_000
    word_features: int = 60_000
    min_df: int = 2
    c: float = 4.0
    """Inverse L2 strength of the logistic regressions."""

    def to_dict(self) -> dict:
        return {"char_ngrams": list(self.char_ngrams), "word_ngrams": list(self.word_ngrams),
                "char_features": self.char_features, "word_features": self.word_features,
                "min_df": self.min_df, "c": self.c}


def _vectorizer(analyzer: str, ngrams: tuple[int, int], **kw) -> TfidfVectorizer:
    if analyzer == "word":
        kw["token_pattern"] = r"(?u)\b\w+\b"
    return TfidfVectorizer(analyzer=analyzer, ngram_range=tuple(ngrams), sublinear_tf=True, lowercase=True,
                           dtype=np.float32, **kw)


class LexicalMember:
    """TF-IDF (char_wb + word n-grams, each L2-normalized) → linear layer per task → composed probabilities."""

    def __init__(self, tasks: tuple[Task, ...], config: LexicalConfig, char_vocab: list[str], word_vocab: list[str],
                 idf: np.ndarray, weights: dict[str, np.ndarray], bias: dict[str, np.ndarray]):
        self.tasks, self.config = tasks, config
        self.char_vocab, self.word_vocab = char_vocab, word_vocab
        self.idf = np.asarray(idf, dtype=np.float32)
        self.weights = {k: np.asarray(v, dtype=np.float32) for k, v in weights.items()}
        self.bias = {k: np.asarray(v, dtype=np.float32) for k, v in bias.items()}
        n_char = len(char_vocab)
        self._char = _vectorizer("char_wb", config.char_ngrams, vocabulary={g: i for i, g in enumerate(char_vocab)})
        self._char.idf_ = self.idf[:n_char]
        self._word = _vectorizer("word", config.word_ngrams, vocabulary={g: i for i, g in enumerate(word_vocab)})
        self._word.idf_ = self.idf[n_char:]
        self._stacked = np.hstack([self.weights[t.name] for t in tasks]).astype(np.float32)
        self._offsets = np.cumsum([0] + [self.weights[t.name].shape[1] for t in tasks])

    @property
    def num_features(self) -> int:
        return len(self.char_vocab) + len(self.word_vocab)

    def features(self, texts: list[str]) -> sparse.csr_matrix:
        return sparse.hstack([self._char.transform(texts), self._word.transform(texts)], format="csr")

    def logits(self, texts: list[str]) -> dict[str, np.ndarray]:
        scores = np.asarray(self.features(texts) @ self._stacked)
        return {t.name: scores[:, a:b] + self.bias[t.name] for t, a, b in
                zip(self.tasks, self._offsets[:-1], self._offsets[1:])}

    def predict_proba(self, texts: list[str]) -> dict[str, np.ndarray]:
        """Per-task probabilities for already-normalized `texts`."""
        if not texts:
            return {t.name: np.zeros((0, t.num_labels), dtype=np.float32) for t in self.tasks}
        return compose(self.logits(texts), self.tasks)

    # -- training ------------------------------------------------------------------------------------

    @classmethod
    def fit(cls, texts: list[str], labels: dict[str, np.ndarray], tasks: tuple[Task, ...] = TASKS,
            config: LexicalConfig = LexicalConfig(), sample_weight: np.ndarray | None = None,
            seed: int = 0) -> LexicalMember:
        """Fit the vectorizers and one logistic regression per task on the rows whose label is known."""
        from sklearn.linear_model import LogisticRegression

        char = _vectorizer("char_wb", config.char_ngrams, max_features=config.char_features, min_df=config.min_df)
        word = _vectorizer("word", config.word_ngrams, max_features=config.word_features, min_df=config.min_df)
        x = sparse.hstack([char.fit_transform(texts), word.fit_transform(texts)], format="csr")
        weights, bias = {}, {}
        sw = np.ones(len(texts)) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
        for t in tasks:
            if t.kind == "sigmoid":
                weights[t.name], bias[t.name] = _fit_multilabel(x, np.asarray(labels[t.name]), sw, config, seed)
                continue
            y = np.asarray(labels[t.name])
            rows = y != IGNORE_INDEX
            first = 0
            if t.condition is not None:  # P(class | condition): rows where it holds, first class dropped
                parent = np.asarray(labels[t.condition.task])
                rows &= (parent == next(p for p in tasks if p.name == t.condition.task).index(t.condition.label))
                rows &= y > 0
                first = 1
            w = np.zeros((x.shape[1], t.num_labels), dtype=np.float32)
            b = np.full(t.num_labels, -30.0 if first else 0.0, dtype=np.float32)
            classes = np.unique(y[rows])
            if len(classes) >= 2:
                model = LogisticRegression(C=config.c, max_iter=300, random_state=seed)
                model.fit(x[rows], y[rows], sample_weight=sw[rows])
                coef, intercept = model.coef_, model.intercept_
                if len(classes) == 2:  # sklearn's binary form: one row for the second class
                    coef = np.vstack([-coef / 2, coef / 2])
                    intercept = np.array([-intercept[0] / 2, intercept[0] / 2])
                w[:, classes] = coef.T
                b[classes] = intercept
            elif len(classes) == 1:
                b[classes] = 0.0
            weights[t.name], bias[t.name] = w, b
        vocab = [g for g, _ in sorted(char.vocabulary_.items(), key=lambda kv: kv[1])]
        wvocab = [g for g, _ in sorted(word.vocabulary_.items(), key=lambda kv: kv[1])]
        idf = np.concatenate([char.idf_, word.idf_]).astype(np.float32)
        return cls(tasks, config, vocab, wvocab, idf, weights, bias)

    # -- storage --------------------------------------------------------------------------------------

    def save(self, folder: str | Path, half: bool = False) -> Path:
        out = Path(folder)
        out.mkdir(parents=True, exist_ok=True)
        dtype = np.float16 if half else np.float32
        tensors = {"idf": self.idf}
        for t in self.tasks:
            tensors[f"{t.name}.weight"] = np.ascontiguousarray(self.weights[t.name].T.astype(dtype))
            tensors[f"{t.name}.bias"] = self.bias[t.name]
        save_file(tensors, str(out / WEIGHTS_FILE))
        vocab = {"format": LEXICAL_FORMAT, "config": self.config.to_dict(), "char": self.char_vocab,
                 "word": self.word_vocab}
        (out / VOCAB_FILE).write_text(json.dumps(vocab, ensure_ascii=False) + "\n", encoding="utf-8")
        return out

    @classmethod
    def load(cls, folder: str | Path, tasks: tuple[Task, ...]) -> LexicalMember:
        """Load and check a saved member; `BundleError` names the file and field that is wrong."""
        root = Path(folder)
        vocab_file = root / VOCAB_FILE
        try:
            data = json.loads(vocab_file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise BundleError(f"{vocab_file}: cannot read the lexical vocabulary ({exc})") from exc
        if not isinstance(data, dict) or data.get("format") != LEXICAL_FORMAT:
            raise BundleError(f"{vocab_file}: format: expected an object with format {LEXICAL_FORMAT!r}")
        config = _config(data.get("config"), vocab_file)
        char, word = data.get("char"), data.get("word")
        for key, grams in (("char", char), ("word", word)):
            if not isinstance(grams, list) or not grams or not all(isinstance(g, str) and g for g in grams):
                raise BundleError(f"{vocab_file}: {key}: expected a non-empty list of n-gram strings")
            if len(set(grams)) != len(grams):
                raise BundleError(f"{vocab_file}: {key}: duplicate n-grams")
        n = len(char) + len(word)
        try:
            tensors = load_file(str(root / WEIGHTS_FILE))
        except (OSError, SafetensorError, ValueError) as exc:
            raise BundleError(f"{root / WEIGHTS_FILE}: cannot read the lexical weights ({exc})") from exc
        expected = {"idf": (n,)}
        for t in tasks:
            expected[f"{t.name}.weight"] = (t.num_labels, n)
            expected[f"{t.name}.bias"] = (t.num_labels,)
        for key, shape in expected.items():
            if key not in tensors:
                raise BundleError(f"{root / WEIGHTS_FILE}: tensor {key!r} is missing")
            if tuple(tensors[key].shape) != shape:
                raise BundleError(f"{root / WEIGHTS_FILE}: tensor {key!r} has shape {tuple(tensors[key].shape)}, "
                                  f"expected {shape}")
            if not np.isfinite(tensors[key].astype(np.float32)).all():
                raise BundleError(f"{root / WEIGHTS_FILE}: tensor {key!r} has NaN or infinite values")
        extra = sorted(set(tensors) - set(expected))
        if extra:
            raise BundleError(f"{root / WEIGHTS_FILE}: unexpected tensors {extra}")
        weights = {t.name: tensors[f"{t.name}.weight"].astype(np.float32).T for t in tasks}
        bias = {t.name: tensors[f"{t.name}.bias"] for t in tasks}
        return cls(tasks, config, char, word, tensors["idf"], weights, bias)


def _config(raw: object, where: Path) -> LexicalConfig:
    if not isinstance(raw, dict):
        raise BundleError(f"{where}: config: expected an object")
    try:
        config = LexicalConfig(char_ngrams=tuple(int(x) for x in raw["char_ngrams"]),
                               word_ngrams=tuple(int(x) for x in raw["word_ngrams"]),
                               char_features=int(raw["char_features"]), word_features=int(raw["word_features"]),
                               min_df=int(raw["min_df"]), c=float(raw["c"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise BundleError(f"{where}: config: {exc!r}") from exc
    for key in ("char_ngrams", "word_ngrams"):
        lo_hi = getattr(config, key)
        if len(lo_hi) != 2 or not 1 <= lo_hi[0] <= lo_hi[1] <= 8:
            raise BundleError(f"{where}: config.{key}: {list(lo_hi)} is not a range within 1..8")
    if not math.isfinite(config.c) or config.c <= 0:
        raise BundleError(f"{where}: config.c: {config.c} is not a positive number")
    return config


def _fit_multilabel(x, y: np.ndarray, sample_weight: np.ndarray, config: LexicalConfig,
                    seed: int) -> tuple[np.ndarray, np.ndarray]:
    """One binary logistic regression per label of a sigmoid task, each on the rows that label is known for;
    the logit of label j is x·w_j + b_j (a label seen with one value only gets a constant logit)."""
    from sklearn.linear_model import LogisticRegression

    w = np.zeros((x.shape[1], y.shape[1]), dtype=np.float32)
    b = np.zeros(y.shape[1], dtype=np.float32)
    for j in range(y.shape[1]):
        rows = y[:, j] != IGNORE_INDEX
        values = np.unique(y[rows, j])
        if len(values) == 2:
            model = LogisticRegression(C=config.c, max_iter=300, random_state=seed)
            model.fit(x[rows], y[rows, j], sample_weight=sample_weight[rows])
            w[:, j], b[j] = model.coef_[0], model.intercept_[0]
        elif len(values) == 1:
            b[j] = 30.0 if values[0] == 1 else -30.0
    return w, b
