"""Live work on a project: rebuilding as its sources change, and the preview served while they do.

:mod:`~briefings.live.watch` is the watcher core (``watch`` and ``serve``);
:mod:`~briefings.live.serve` the preview's HTTP server,
:mod:`~briefings.live.pages` what it shows (the index, the problems banner,
the reload script) and :mod:`~briefings.live.confine` which files it may
serve. This layer is above the build (it runs builds) and below the CLI.
"""
