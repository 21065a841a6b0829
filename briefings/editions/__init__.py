"""Editions: the numbered, dated versions of a briefing that were published.

:mod:`~briefings.editions.store` keeps them on disk (listing, reading,
writing, pruning) and decides whether a briefing is now an edition or a
draft after one; :mod:`~briefings.editions.changes` works out what changed
between two snapshots, by fact id and figure label. This layer sits below
``build/`` because every build, not only ``publish``, renders a briefing as
an edition or as a draft after one.
"""
