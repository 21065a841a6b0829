"""The build: from a loaded project to the files in ``output/``.

:mod:`~briefings.build.orchestrate` runs read → plan → render → write with one
:class:`~briefings.build.orchestrate.BuildOptions`; :mod:`~briefings.build.plan`
decides what to render (with :mod:`~briefings.build.fingerprint`, the
:mod:`~briefings.build.manifest` of the last build and :mod:`~briefings.build.shard`),
:mod:`~briefings.build.workers` renders in worker processes and
:mod:`~briefings.build.writer` writes, all or nothing. :mod:`~briefings.build.cache`
keeps parsed topic files between builds. :mod:`~briefings.build.publish` is
the build that records new editions.
"""
