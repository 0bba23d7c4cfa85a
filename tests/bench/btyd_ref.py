#!/usr/bin/env python3
"""Reference BG/NBD + Gamma-Gamma fit with NumPy/SciPy, the way Python's
lifetimes library does it (negative log-likelihood minimised with
scipy.optimize.minimize, Nelder-Mead on log-parameters), for the crm-score
benchmark (tests/bench/score.sh).

    btyd_ref.py TRANSACTIONS.csv CALIBRATION_END

TRANSACTIONS.csv: customer_id,date,amount (e.g. the CDNOW sample). Builds the
papers' weekly summary (same-day purchases merged) and prints the estimates.
"""
import csv
import sys
from datetime import date

import numpy as np
from scipy.optimize import minimize
from scipy.special import betaln, gammaln


def summary(path, cal_end):
    days = {}
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            d = date.fromisoformat(row["date"])
            if d > cal_end:
                continue
            per = days.setdefault(row["customer_id"], {})
            per[d] = per.get(d, 0.0) + float(row["amount"])
    x, tx, T, m = [], [], [], []
    for per in days.values():
        ds = sorted(per)
        x.append(len(ds) - 1)
        tx.append((ds[-1] - ds[0]).days / 7)
        T.append((cal_end - ds[0]).days / 7)
        m.append(sum(per[d] for d in ds[1:]) / (len(ds) - 1) if len(ds) > 1 else 0.0)
    return (np.array(x, float), np.array(tx), np.array(T), np.array(m))


def bgnbd_nll(logp, x, tx, T):
    r, alpha, a, b = np.exp(logp)
    a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    a2 = gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x)
    a3 = -(r + x) * np.log(alpha + T)
    a4 = np.where(x > 0, np.log(a) - np.log(b + np.maximum(x, 1) - 1)
                  - (r + x) * np.log(alpha + tx), -np.inf)
    return -np.sum(a1 + a2 + np.logaddexp(a3, a4))


def gg_nll(logp, x, m):
    p, q, g = np.exp(logp)
    ll = (gammaln(p * x + q) - gammaln(p * x) - gammaln(q) + q * np.log(g)
          + (p * x - 1) * np.log(m) + p * x * np.log(x) - (p * x + q) * np.log(g + m * x))
    return -np.sum(ll)


def main():
    x, tx, T, m = summary(sys.argv[1], date.fromisoformat(sys.argv[2]))
    bg = minimize(bgnbd_nll, np.zeros(4), args=(x, tx, T), method="Nelder-Mead",
                  options={"maxiter": 20000, "xatol": 1e-8, "fatol": 1e-10})
    rep = x > 0
    gg = minimize(gg_nll, np.zeros(3), args=(x[rep], m[rep]), method="Nelder-Mead",
                  options={"maxiter": 20000, "xatol": 1e-8, "fatol": 1e-10})
    r, alpha, a, b = np.exp(bg.x)
    p, q, g = np.exp(gg.x)
    print(f"r={r:.4f} alpha={alpha:.4f} a={a:.4f} b={b:.4f} ll={-bg.fun:.4f} "
          f"p={p:.4f} q={q:.4f} gamma={g:.4f} gg_ll={-gg.fun:.4f} customers={len(x)}")


if __name__ == "__main__":
    main()
