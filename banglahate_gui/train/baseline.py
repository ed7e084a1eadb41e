"""TF-IDF character n-grams + logistic regression, one model per task: the evaluation baseline."""

from __future__ import annotations

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from banglahate_gui.model.schema import IGNORE_INDEX, TASKS


class TfidfBaseline:
    """Trained on the same split as the bundle; each task uses the rows whose label is known."""

    def __init__(self, max_features: int = 200_000):
        self.vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), max_features=max_features,
                                          sublinear_tf=True, min_df=2)
        self.models: dict[str, LogisticRegression] = {}

    def fit(self, texts: list[str], labels: dict[str, np.ndarray]) -> TfidfBaseline:
        features = self.vectorizer.fit_transform(texts)
        for t in TASKS:
            known = labels[t.name] != IGNORE_INDEX
            model = LogisticRegression(max_iter=1000, class_weight="balanced", C=2.0)
            self.models[t.name] = model.fit(features[known], labels[t.name][known])
        return self

    def predict_proba(self, texts: list[str]) -> dict[str, np.ndarray]:
        features = self.vectorizer.transform(texts)
        out = {}
        for t in TASKS:
            model = self.models[t.name]
            proba = np.zeros((len(texts), t.num_labels))
            proba[:, model.classes_] = model.predict_proba(features)
            out[t.name] = proba
        return out
