"""Shared helpers for the lookalike benchmarks: unrelated domain names and brand lists.

Unrelated names are of two kinds, half each: random strings (5-15 characters of a-z0-9,
sometimes a hyphen) and one or two dictionary words. The word list is built from the
English words in the Python standard library's source and documentation strings (there is
no /usr/share/dict on the build machines), so it holds ordinary words and programming words,
deterministic for a given Python install.
"""
import os
import random
import re
import sysconfig

TLDS = ["com", "com", "com", "com", "net", "org", "info", "shop", "xyz", "top", "online",
        "de", "fr", "uk", "ch", "ca", "io", "site", "app", "co.uk"]


def word_list(min_len=3, max_len=10):
    """Lower-case alphabetic words from the stdlib sources, sorted for determinism."""
    root = sysconfig.get_paths()["stdlib"]
    words = set()
    for dirpath, _dirs, files in os.walk(root):
        if "test" in dirpath or "site-packages" in dirpath:
            continue
        for f in files:
            if not f.endswith(".py"):
                continue
            try:
                with open(os.path.join(dirpath, f), encoding="utf-8", errors="ignore") as fh:
                    text = fh.read()
            except OSError:
                continue
            for w in re.findall(r"\b[a-z]{%d,%d}\b" % (min_len, max_len), text):
                words.add(w)
        if len(words) > 60000:
            break
    return sorted(words)


def unrelated_names(n, seed, words):
    """Yields n unrelated names."""
    rng = random.Random(seed)
    alnum = "abcdefghijklmnopqrstuvwxyz0123456789"
    for i in range(n):
        tld = rng.choice(TLDS)
        if i % 2 == 0:
            k = rng.randint(5, 15)
            label = "".join(rng.choice(alnum) for _ in range(k))
            if k > 7 and rng.random() < 0.2:
                p = rng.randint(2, k - 3)
                label = label[:p] + "-" + label[p:]
        else:
            label = rng.choice(words)
            if rng.random() < 0.6:
                label += rng.choice(["", "-"]) + rng.choice(words)
        if rng.random() < 0.05:
            label = rng.choice(["www", "mail", "shop", "app"]) + "." + label
        yield label + "." + tld


def synthetic_brands(n, seed, words):
    """n brand-like domains made of dictionary words (for the 200-brand speed run)."""
    rng = random.Random(seed)
    out = []
    seen = set()
    while len(out) < n:
        name = rng.choice(words) + rng.choice(["post", "parcel", "express", "mail", ""])
        if len(name) < 5 or name in seen:
            continue
        seen.add(name)
        out.append(name + "." + rng.choice(["com", "de", "fr", "net", "co.uk"]))
    return out
