"""Bag-of-words matrices (one row per document, one column per vocabulary id) in CSR form."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from tutor.data.vocab import UNK_ID

FIRST_WORD_ID = UNK_ID + 1  # ids 0 (padding) and 1 (unknown) carry no word, so never counted


def bag_of_words(id_lists: Sequence[Sequence[int]], width: int, binary: bool = True) -> sp.csr_matrix:
    """A float32 ``(n, width)`` CSR matrix: 1 where a word occurs (``binary``) or its count.

    Ids 0 and 1 are ignored: padding is not a word, and "some unknown word" would be the
    commonest column of all while saying nothing about the review. Columns 0 and 1 stay empty
    so that column ``j`` is always vocabulary id ``j`` and ``width`` is ``len(vocab)``.
    """
    n = len(id_lists)
    lengths = np.fromiter((len(ids) for ids in id_lists), dtype=np.int64, count=n)
    flat = (
        np.concatenate([np.asarray(ids, dtype=np.int64) for ids in id_lists])
        if lengths.sum()
        else np.zeros(0, dtype=np.int64)
    )
    if flat.size and (flat.min() < 0 or flat.max() >= width):
        raise ValueError(f"word ids must lie in 0..{width - 1} for a matrix {width} wide")
    rows = np.repeat(np.arange(n, dtype=np.int64), lengths)
    keep = flat >= FIRST_WORD_ID
    rows, cols = rows[keep], flat[keep]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    data = np.ones(cols.size, dtype=np.float32)
    m = sp.csr_matrix((data, cols.astype(np.int32), indptr), shape=(n, width))
    m.sum_duplicates()  # repeated words within a row become one entry holding their count
    if binary:
        m.data[:] = 1.0
    return m


def density(m: sp.spmatrix) -> float:
    """The fraction of stored (non-zero) entries: nnz / (rows * columns)."""
    rows, cols = m.shape
    return float(m.nnz) / (rows * cols) if rows and cols else 0.0
