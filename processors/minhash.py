"""MinHash signatures of a text: what two items' bodies share, in a few bytes.

Why apart from the story index (processors/stories.py): the signature is pure arithmetic on a
text — the same for the SQLite index, the Redis index (processors/stories_redis.py) and the
memory benchmark — while the index is storage and story scoring. The choices (2-word shingles
of the body without headline and credit lines, 128 permutations, LSH 9 × 4, 2-bit signatures
confirmed at an estimated Jaccard ≥ 0.6) are explained and measured in the story index's
module docstring and docs/classifiers.md.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from collections.abc import Sequence

import numpy as np
from datasketch import MinHash

NUM_PERM = 128
SHINGLE_WORDS = 2
BANDS, ROWS = 9, 4
SEED = 1
MIN_WORDS = 8
BODY_WORDS = 40
"""Words the body must keep (without headline and short lines) to be compared on its own."""
MAX_WORDS = 5000
"""Words read per text: enough for any news item, bounded for 50-page reports."""

_ARABIC = re.compile("[\u0600-\u06ff]")
_ARABIC_MARKS = re.compile(rb"(?:\xd9[\x8b-\x9f\xb0]|\xd9\x80|\xdb[\x96-\xad])+")
_ARABIC_MARK = re.compile("[\u0640\u064b-\u065f\u0670\u06d6-\u06ed]")
"""The same marks in text: one character class is searched ~30 times faster than the bytes."""
_ARABIC_PUNCT = tuple(p.encode() for p in "،؛؟«»“”")
_PUNCT = bytes(c for c in range(128) if not chr(c).isalnum())
_LINES = bytes.maketrans(_PUNCT.replace(b"\n", b""), b" " * (len(_PUNCT) - 1))
"""Punctuation to spaces, line breaks kept."""
_MASK32 = np.uint64(0xFFFFFFFF)
_PERMUTATIONS = MinHash(num_perm=NUM_PERM, seed=SEED).permutations
_PERM_A, _PERM_B = (np.asarray(p, dtype=np.uint32) for p in _PERMUTATIONS)
_BAND_MULT = np.random.RandomState(SEED + 1).randint(
    1, 2**62, size=(BANDS, ROWS), dtype=np.int64
).astype(np.uint64) | np.uint64(1)

def words(text: str) -> list[bytes]:
    """Lower-cased, accent-folded words (bytes) of the whole text."""
    return _folded(text).split()[:MAX_WORDS]


def body_words(text: str) -> list[bytes]:
    """The words the shingles are made of: the lines after the first (the headline) that
    have at least `MIN_WORDS` words (credits, datelines and link lines go), when they make
    `BODY_WORDS` words; else the whole text (see the module doc)."""
    lines = _folded(text).split(b"\n")
    if len(lines) > 1:
        kept: list[bytes] = []
        for line in lines[1:]:
            tokens = line.split()
            if len(tokens) >= MIN_WORDS:
                kept += tokens
                if len(kept) >= MAX_WORDS:
                    break
        if len(kept) >= BODY_WORDS:
            return kept[:MAX_WORDS]
    return b" ".join(lines).split()[:MAX_WORDS]


def _folded(text: str) -> bytes:
    """Lower-cased, accent-folded text as bytes, punctuation as spaces, line breaks kept.

    Byte-level on purpose: a news item is folded in ~30 µs instead of ~150 µs with regexes.
    Texts without Arabic keep ASCII letters only after NFKD (accents and other scripts go);
    Arabic texts keep their letters and lose short vowels, tatweel and Arabic punctuation.
    """
    if _ARABIC.search(text):
        data = text.casefold().encode()
        if _ARABIC_MARK.search(text):
            data = _ARABIC_MARKS.sub(b"", data)
        for mark in _ARABIC_PUNCT:
            data = data.replace(mark, b" ")
    else:
        data = unicodedata.normalize("NFKD", text.casefold()).encode("ascii", "ignore")
    return data.translate(_LINES)


def signature(text: str) -> np.ndarray | None:
    """MinHash values (uint32 × 128) of the 2-word shingles of `body_words`; None when the
    text has fewer than `MIN_WORDS` words."""
    tokens = body_words(text)
    if len(tokens) < MIN_WORDS:
        return None
    h = np.fromiter(map(zlib.crc32, tokens), dtype=np.uint32, count=len(tokens))
    shingles = h[:-1] * np.uint32(0x9E3779B1) + h[1:]  # wraps: modulo 2^32
    # datasketch's "affine32" scheme (MinHash.update_batch), without its per-item object and
    # lists: the MurmurHash3 finalizer, then a * h + b modulo 2^32 per permutation.
    shingles ^= shingles >> np.uint32(16)
    shingles *= np.uint32(0x85EBCA6B)
    shingles ^= shingles >> np.uint32(13)
    shingles *= np.uint32(0xC2B2AE35)
    shingles ^= shingles >> np.uint32(16)
    return (shingles[:, None] * _PERM_A + _PERM_B).min(axis=0)


def band_keys(values: np.ndarray) -> list[int]:
    """One signed 32-bit key per LSH band (the band index is mixed in)."""
    rows = values[: BANDS * ROWS].astype(np.uint64).reshape(BANDS, ROWS)
    mixed = (rows * _BAND_MULT).sum(axis=1, dtype=np.uint64)
    mixed ^= mixed >> np.uint64(29)
    mixed *= np.uint64(0xBF58476D1CE4E5B9)
    mixed ^= mixed >> np.uint64(32)
    return [int(v) - 2**32 if v >= 2**31 else int(v) for v in (mixed & _MASK32).tolist()]


def compact(values: np.ndarray) -> bytes:
    """b-bit signature: the low 2 bits of each MinHash value, four to a byte (32 bytes).

    b-bit minwise hashing (Li & König): two values agree by chance 1 time in 4, which the
    estimate removes; at Jaccard 0.6 (the threshold) its standard error is 0.054 against
    0.043 with full 32-bit values, for 16 times less room (1 bit: 0.071). Different texts
    (Jaccard ≤ 0.2) stay 7 standard errors below the threshold, lightly edited copies (≥ 0.7)
    2 above it.
    """
    low = (values & 0x3).astype(np.uint8).reshape(-1, 4)
    return (low[:, 0] | (low[:, 1] << 2) | (low[:, 2] << 4) | (low[:, 3] << 6)).tobytes()


_SAME_PAIRS = np.array(
    [sum(((x >> s) & 3) == 0 for s in (0, 2, 4, 6)) for x in range(256)], dtype=np.uint8
)


def estimated_jaccard(a: bytes, b: bytes) -> float:
    """Jaccard estimate from two 2-bit signatures (chance agreement 1/4 removed)."""
    return float(_estimates(a, [b])[0])


def _estimates(sig: bytes, others: Sequence[bytes]) -> np.ndarray:
    """`estimated_jaccard` of one signature against several, in one pass."""
    diff = np.frombuffer(b"".join(others), np.uint8).reshape(len(others), -1)
    same = _SAME_PAIRS[diff ^ np.frombuffer(sig, np.uint8)].sum(axis=1, dtype=np.int64) / NUM_PERM
    return np.maximum(0.0, (same - 1 / 4) / (1 - 1 / 4))
