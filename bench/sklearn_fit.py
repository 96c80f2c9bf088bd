#!/usr/bin/env python3
"""Times scikit-learn's LogisticRegression fit on rows written by `Sift.Bench round-features --export` (bench/round-vs-sklearn.sh).

Same settings as the engine's comparisons: lbfgs, C from --c (Sift's default 10 → sklearn C=10), max_iter 100, tol 1e-4.
Prints medians over --repeats fits (after one warm-up fit) and a SKLEARN_FIT_MS line the script reads.
"""
import argparse, statistics, sys, time
import numpy as np
from sklearn.datasets import load_svmlight_file
from sklearn.linear_model import LogisticRegression
import sklearn

ap = argparse.ArgumentParser()
ap.add_argument("rows")
ap.add_argument("--repeats", type=int, default=7)
ap.add_argument("--c", type=float, default=10.0)
a = ap.parse_args()
cols = int(open(a.rows + ".columns").read())
X, y = load_svmlight_file(a.rows, n_features=cols, dtype=np.float64)
times = []
for r in range(a.repeats + 1):
    t = time.perf_counter()
    LogisticRegression(C=a.c, max_iter=100, tol=1e-4, solver="lbfgs").fit(X, y)
    if r > 0:
        times.append(time.perf_counter() - t)
print(f"scikit-learn {sklearn.__version__}, numpy {np.__version__}: {X.shape[0]} rows x {X.shape[1]} features ({X.nnz} stored), "
      f"LogisticRegression(C={a.c}, lbfgs) fit median {statistics.median(times)*1000:.1f} ms over {a.repeats}")
print(f"SKLEARN_FIT_MS {statistics.median(times)*1000:.3f}")
