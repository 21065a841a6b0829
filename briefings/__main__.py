"""``python -m briefings`` runs the ``briefings`` command."""

from .cli import main

main()
