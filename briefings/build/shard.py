"""Split a project's briefings into N shards, so that N machines can each build one (``build --shard K/N``).

Contract: :func:`shard` gives the K-th (1-based) of N slices of a set of
briefing ids, such that

- the N slices are disjoint and together hold every id exactly once;
- they are balanced: their sizes differ by at most one (a slice is empty
  when there are fewer briefings than shards, which is not an error);
- which slice an id falls in depends only on the *set* of ids and on N:
  not on their order in ``briefings.yaml``, the machine, the Python
  version or ``PYTHONHASHSEED``. So N machines that build the same commit
  agree on the split without talking to each other.

A slice is returned in the order the ids were given (the order of
``briefings.yaml``), so that a shard builds in the order a whole build would.

How: the ids are ordered by the SHA-256 of their UTF-8 bytes (the id itself
breaks a tie), and that order is cut into N contiguous runs of
``floor(M/N)`` or ``ceil(M/N)`` ids, the cuts at ``floor(k·M/N)``. Why a
hash rather than the ids in alphabetical order: both are deterministic and
balanced, and with either, adding or removing one briefing moves at most
N − 1 others to another shard (each cut shifts by at most one place), so a
shard's cached outputs stay mostly valid; but sorted names put families of
similar briefings (``weekly-…``, ``country-…``), which tend to cost the
same, together in one shard, whereas the hash scatters them, spreading the
slow ones over the machines. A plain ``hash(id) mod N`` would move few ids
too, but is not balanced.

:func:`parse_shard` reads ``K/N`` strictly: two whole numbers in ASCII
digits, 1 ≤ K ≤ N; anything else is a :class:`ValueError` whose message the
CLI shows as a usage error.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from typing import Protocol, TypeVar

from briefings.errors import printable

_SHARD = re.compile(r"([0-9]+)/([0-9]+)", re.ASCII)


class _HasId(Protocol):
    @property
    def id(self) -> str: ...


T = TypeVar("T", bound=_HasId)


def shard(briefing_ids: Iterable[str], index: int, count: int) -> list[str]:
    """The ``index``-th (1-based) of ``count`` slices of ``briefing_ids``; see the module docstring."""
    if count < 1 or not 1 <= index <= count:
        raise ValueError(f"shard {index}/{count} does not exist: need 1 <= K <= N")
    given = list(dict.fromkeys(briefing_ids))
    ordered = sorted(given, key=lambda briefing_id: (_digest(briefing_id), briefing_id))
    total = len(ordered)
    members = set(ordered[(index - 1) * total // count: index * total // count])
    return [briefing_id for briefing_id in given if briefing_id in members]


def _digest(briefing_id: str) -> bytes:
    # SHA-256, not hash(): str hashes change with every interpreter run (PYTHONHASHSEED).
    return hashlib.sha256(briefing_id.encode("utf-8")).digest()


def select_shard(briefings: Sequence[T], selected: tuple[int, int] | None) -> list[T]:
    """The briefings of shard ``selected = (K, N)``, in their order; all of them when ``selected`` is None."""
    if selected is None:
        return list(briefings)
    members = set(shard((briefing.id for briefing in briefings), *selected))
    return [briefing for briefing in briefings if briefing.id in members]


def parse_shard(text: str) -> tuple[int, int]:
    """``"2/5"`` → ``(2, 5)``; anything but ``K/N`` with 1 ≤ K ≤ N is a ValueError saying what is wrong."""
    shown = printable(text if len(text) <= 40 else text[:40] + "…")
    match = _SHARD.fullmatch(text)
    if match is None:
        raise ValueError(f"'{shown}' is not K/N: give this machine's shard and the number of shards as "
                         "whole numbers, such as 2/5")
    try:
        index, count = int(match.group(1)), int(match.group(2))
    except ValueError:  # more digits than Python will convert: no one has that many machines
        raise ValueError(f"'{shown}': the numbers are too large") from None
    if count < 1:
        raise ValueError(f"'{shown}': the number of shards N must be at least 1")
    if not 1 <= index <= count:
        raise ValueError(f"'{shown}': the shard K must be between 1 and N ({count}); shards are numbered from 1")
    return index, count
