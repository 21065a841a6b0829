"""Delivery: sending each new edition to the destinations its briefing names, and the editions' Atom feed.

:mod:`~briefings.delivery.parcel` gathers what one edition consists of (its
files, its snapshot, its "what changed"); one module per kind of destination
sends it (:mod:`~briefings.delivery.email`, :mod:`~briefings.delivery.folder`,
:mod:`~briefings.delivery.webhook`); :mod:`~briefings.delivery.feed` writes
``output/editions/feed.xml``; :mod:`~briefings.delivery.runner` decides what
is due, retries, and keeps the state that makes every edition reach every
destination once. This layer sits above ``build/`` (it runs after a publish
has written its editions) and below ``schedule/`` and the commands.
"""
