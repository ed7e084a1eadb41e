"""TF-IDF character n-grams + logistic regression, one model per task (per label for a multi-label task): the
evaluation baseline."""

from __future__ import annotations

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from banglahate_gui.model.schema import IGNORE_INDEX, TASKS, Task


class TfidfBaseline:
    """Trained on the same split as the bundle; each task (each label) uses the rows whose label is known."""

    def __init__(self, tasks: tuple[Task, ...] = TASKS, max_features: int = 200_000):
        self.tasks = tasks
        self.vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), max_features=max_features,
                                          sublinear_tf=True, min_df=2)
        self.models: dict[str, list[LogisticRegression | None]] = {}

    def fit(self, texts: list[str], labels: dict[str, np.ndarray]) -> TfidfBaseline:
        features = self.vectorizer.fit_transform(texts)
        for t in self.tasks:
            y = labels[t.name]
            columns = [y[:, j] for j in range(t.num_labels)] if t.kind == "sigmoid" else [y]
            self.models[t.name] = [self._fit(features, c) for c in columns]
        return self

    @staticmethod
    def _fit(features, y: np.ndarray) -> LogisticRegression | None:
        known = y != IGNORE_INDEX
        if len(np.unique(y[known])) < 2:
            return None
        return LogisticRegression(max_iter=1000, class_weight="balanced", C=2.0).fit(features[known], y[known])

    def predict_proba(self, texts: list[str]) -> dict[str, np.ndarray]:
        features = self.vectorizer.transform(texts)
        out = {}
        for t in self.tasks:
            models = self.models[t.name]
            if t.kind == "sigmoid":
                out[t.name] = np.stack([m.predict_proba(features)[:, list(m.classes_).index(1)] if m is not None
                                        else np.zeros(len(texts)) for m in models], axis=1)
                continue
            proba = np.zeros((len(texts), t.num_labels))
            proba[:, models[0].classes_] = models[0].predict_proba(features)
            out[t.name] = proba
        return out
