"""Deterministic randomness and exact integer splits.

Only `random.Random.random()` is used (its sequence is stable across Python versions), and
every file or decision gets its own generator derived from the seed and a name, so the output
of one file does not depend on the order in which others are written.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence


def derive_rng(seed: int, *names: object) -> random.Random:
    material = ":".join([str(seed), *map(str, names)]).encode()
    return random.Random(int.from_bytes(hashlib.sha256(material).digest()[:8], "big"))


def uniform(rng: random.Random, low: float, high: float) -> float:
    return low + (high - low) * rng.random()


def allocate(
    total: int, weights: Sequence[float], rng: random.Random, minimum: int = 0
) -> list[int]:
    """Split `total` into integers, one per weight (each >= minimum), summing exactly to it.

    Weights are jittered, then the largest-remainder method keeps the sum exact.
    """
    count = len(weights)
    if count == 0:
        if total:
            raise ValueError(f"cannot place {total} on no cells")
        return []
    free = total - minimum * count
    if free < 0:
        raise ValueError(f"{total} is less than {minimum} for each of {count} cells")
    noisy = [max(w, 1e-9) * uniform(rng, 0.6, 1.4) for w in weights]
    weight_sum = sum(noisy)
    exact = [free * w / weight_sum for w in noisy]
    counts = [int(x) for x in exact]
    rest = free - sum(counts)
    order = sorted(range(count), key=lambda i: (counts[i] - exact[i], i))
    for i in order[:rest]:
        counts[i] += 1
    return [c + minimum for c in counts]


def pick_weighted(items: Sequence, weights: Sequence[float], k: int, rng: random.Random) -> list:
    """k items without replacement, more likely the heavier ones (Efraimidis-Spirakis)."""
    if k >= len(items):
        return list(items)
    keyed = sorted(
        range(len(items)),
        key=lambda i: (-(rng.random() ** (1.0 / max(weights[i], 1e-9))), i),
    )
    return [items[i] for i in sorted(keyed[:k])]


def shuffled(items: Sequence, rng: random.Random) -> list:
    keyed = sorted(range(len(items)), key=lambda i: (rng.random(), i))
    return [items[i] for i in keyed]
