"""What the model sees of a message: character n-grams and jieba words."""
from __future__ import annotations

import logging
import re
import threading
import unicodedata

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer


_DIGITS = re.compile(r"\d+")
_SPACE = re.compile(r"\s+")
_jieba = None
_jieba_lock = threading.Lock()


def normalize(text: str) -> str:
    """Full-width to half-width, lower case, digits as 0 (numbers name buildings and dates, not topics)."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    return _SPACE.sub(" ", _DIGITS.sub("0", text)).strip()


def _tokenizer():
    """One jieba tokenizer per process, made on first use (its dictionary takes about a second to load)."""
    global _jieba
    if _jieba is None:
        with _jieba_lock:
            if _jieba is None:
                import jieba
                jieba.setLogLevel(logging.WARNING)
                tk = jieba.Tokenizer()
                tk.initialize()
                _jieba = tk
    return _jieba


def add_words(words) -> None:
    """Teach the tokenizer domain words (the taxonomy's keywords) so they stay whole."""
    tk = _tokenizer()
    for w in words:
        if len(w) >= 2 and not w.isascii():
            tk.add_word(w, freq=2000)


def words(text: str) -> list[str]:
    """jieba words of normalised text, punctuation and spaces dropped (module level so models pickle)."""
    return [w for w in _tokenizer().cut(text, HMM=False) if w.strip() and (w.isalnum() or len(w) > 1)]


class TextFeatures:
    """Fitted vocabularies: character 1-3 grams and word 1-2 grams, each tf-idf (sublinear) and unit length.

    The taxonomy's keywords are not features: a model that leans on them inherits their blind spots on real
    messages (on both evaluation sets it did worse with them); they only keep jieba from splitting them.
    """

    def __init__(self, *, max_chars: int = 120_000, max_words: int = 60_000, min_df: int = 2):
        # A term seen once is noise in a big file but may be all a small file has.
        self.chars = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, min_df=min_df,
                                     max_features=max_chars, dtype=np.float32, lowercase=False)
        self.words = TfidfVectorizer(tokenizer=words, token_pattern=None, ngram_range=(1, 2), sublinear_tf=True,
                                     min_df=min_df, max_features=max_words, dtype=np.float32, lowercase=False)

    def fit_transform(self, texts: list[str]) -> sp.csr_matrix:
        norm = [normalize(t) for t in texts]
        chars = self.chars.fit_transform(norm)
        wordm = self.words.fit_transform(norm)
        # The vectorisers keep every pruned term for inspection; the model file does not need them.
        self.chars.stop_words_ = None
        self.words.stop_words_ = None
        return sp.hstack([chars, wordm], format="csr", dtype=np.float32)

    def transform(self, texts: list[str]) -> sp.csr_matrix:
        norm = [normalize(t) for t in texts]
        return sp.hstack([self.chars.transform(norm), self.words.transform(norm)], format="csr", dtype=np.float32)

    @property
    def size(self) -> int:
        """Number of features."""
        return len(self.chars.vocabulary_) + len(self.words.vocabulary_)
