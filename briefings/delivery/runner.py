"""Running deliveries: what is due, retries with back-off, and the state that delivers each edition once.

Contract: :func:`deliver` is called after a publish (or a scheduled run)
has safely written its editions. For each briefing with ``delivery:``
settings and each destination kind it names, the editions due are those on
disk newer than the destination's starting point (the edition before the
first one published while it was configured) and not yet recorded as
delivered. Each is sent (:mod:`~briefings.delivery.email`,
:mod:`~briefings.delivery.folder`, :mod:`~briefings.delivery.webhook`),
retried after each of ``retry_seconds`` on failure, and the outcome is
written at once to ``output/editions/delivery-state.json`` (atomically): a
run killed between two destinations leaves the missing ones due, and the
next run sends exactly those. (Killed after a destination accepted an
edition but before the state was written, that one edition is sent again:
delivery is at least once, never lost.) A failure is a located
:class:`~briefings.errors.Problem` on the setting's line in briefings.yaml,
stays due, and is tried again by the next run. ``redeliver`` sends one
edition to every destination again. The feed
(:mod:`~briefings.delivery.feed`) is written by every run. Deliveries of
one project are serialised by a lock file beside the state.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from filelock import FileLock, Timeout

from briefings.delivery import email, folder, webhook
from briefings.delivery.email import DeliveryFailed, SettingProblem
from briefings.delivery.feed import write_feed
from briefings.delivery.parcel import clean_text, load_parcel
from briefings.editions.store import list_editions
from briefings.errors import Problem
from briefings.files import FileProblem, read_project_file, replace_file
from briefings.paths import EDITIONS_DIR, EDITIONS_NAME, OUTPUT_DIR, SETTINGS_FILE, STATE_DIR
from briefings.project.delivery_settings import Delivery
from briefings.project.loader import load_project_partially
from briefings.project.model import Project
from briefings.project.yaml import load_yaml

STATE_NAME = "delivery-state.json"
STATE_FILE = f"{EDITIONS_DIR}/{STATE_NAME}"
STATE_VERSION = 1


@dataclass
class Outcome:
    briefing_id: str
    edition: int
    kind: str
    delivered: bool
    attempts: int
    message: str = ""


@dataclass
class DeliveryReport:
    outcomes: list[Outcome] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return bool(self.problems)


Sender = Callable[[Delivery, str, Any, Path], None]


def _send(settings: Delivery, kind: str, parcel: Any, root: Path) -> None:
    if kind == "email":
        assert settings.email is not None
        email.send(settings.email, parcel, root)
    elif kind == "folder":
        assert settings.folder is not None
        folder.send(settings.folder, parcel, root)
    else:
        assert settings.webhook is not None
        webhook.send(settings.webhook, parcel, root)


class _State:
    def __init__(self, root: Path):
        self.path = root / STATE_FILE
        self.root = root
        self.problems: list[Problem] = []
        self.data: dict[str, Any] = {"version": STATE_VERSION, "briefings": {}}
        if self.path.exists():
            try:
                loaded = orjson.loads(read_project_file(self.path, root, max_bytes=64 << 20))
                if isinstance(loaded, dict) and isinstance(loaded.get("briefings"), dict):
                    self.data = loaded
                else:
                    raise ValueError("not a delivery state")
            except FileProblem as error:
                self.problems.append(error.problem)
            except (orjson.JSONDecodeError, ValueError) as error:
                self.problems.append(Problem(STATE_FILE, None, f"unreadable delivery state ({error}); editions "
                                             "published from now on are delivered"))

    def destination(self, briefing_id: str, kind: str, start: int) -> dict[str, Any]:
        per_briefing = self.data["briefings"].setdefault(briefing_id, {})
        record = per_briefing.get(kind)
        if not isinstance(record, dict) or not isinstance(record.get("since"), int):
            record = per_briefing[kind] = {"since": start, "editions": {}}
        if not isinstance(record.get("editions"), dict):
            record["editions"] = {}
        return record

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        replace_file(self.path, orjson.dumps(self.data, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS),
                     fsync=True)


def _locate(root: Path, briefing_id: str, kind: str) -> tuple[str, int | None]:
    document = load_yaml(root / SETTINGS_FILE, root)
    data = document.data if isinstance(document.data, dict) else {}
    briefings = data.get("briefings")
    spec = briefings.get(briefing_id) if isinstance(briefings, dict) else None
    if isinstance(spec, dict) and isinstance(spec.get("delivery"), dict) and kind in spec["delivery"]:
        return document.display_path, document.line_of(("briefings", briefing_id, "delivery", kind))
    return document.display_path, document.line_of(("delivery", kind))


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")


def deliver(project: Project, *, published: Mapping[str, int] | None = None,
            redeliver: tuple[str, int] | None = None, sleep: Callable[[float], None] = time.sleep,
            send: Sender = _send, retry_seconds: list[float] | None = None, wait: float = 300.0,
            ) -> DeliveryReport:
    """Deliver what is due for ``project`` (see the module docstring) and write the feed.

    ``published`` maps each briefing published by this run to its new edition; ``redeliver`` = (id, number)
    sends that edition again instead. ``sleep``, ``send`` and ``retry_seconds`` (over the settings') are for
    tests. ``wait`` bounds the wait for another run's deliveries."""
    root = project.root
    output_dir = root / OUTPUT_DIR
    report = DeliveryReport()
    lock_dir = output_dir / STATE_DIR
    lock_dir.mkdir(parents=True, exist_ok=True)
    try:
        with FileLock(str(lock_dir / "delivery.lock"), timeout=wait):
            _deliver_locked(project, output_dir, report, published or {}, redeliver, sleep, send, retry_seconds)
    except Timeout:
        report.problems.append(Problem(STATE_FILE, None, f"another run has been delivering for {wait:g} s; "
                                       "what is due will be delivered by the next run"))
    return report


def _deliver_locked(project: Project, output_dir: Path, report: DeliveryReport, published: Mapping[str, int],
                    redeliver: tuple[str, int] | None, sleep: Callable[[float], None], send: Sender,
                    retry_seconds: list[float] | None) -> None:
    root = project.root
    state = _State(root)
    report.problems.extend(state.problems)
    briefings = {briefing.id: briefing for briefing in project.briefings}
    if redeliver is not None:
        briefing_id, number = redeliver
        briefing = briefings.get(briefing_id)
        if briefing is None or briefing.delivery is None or not briefing.delivery.kinds:
            report.problems.append(Problem("--redeliver", None, f"briefing '{briefing_id}' has no delivery: "
                                           f"settings in {SETTINGS_FILE}"))
            return
        try:
            parcel = load_parcel(output_dir, root, briefing_id, number)
        except FileProblem as error:
            report.problems.append(error.problem)
            return
        for kind in briefing.delivery.kinds:
            record = state.destination(briefing_id, kind, number - 1)
            _attempt(state, record, report, briefing.delivery, kind, parcel, sleep, send, retry_seconds)
        return
    for briefing_id, briefing in briefings.items():
        if briefing.delivery is None or not briefing.delivery.kinds:
            continue
        try:
            editions = list_editions(output_dir, root, briefing_id)
        except FileProblem as error:
            report.problems.append(error.problem)
            continue
        latest = editions[-1].number if editions else 0
        start = published[briefing_id] - 1 if briefing_id in published else latest
        records = {kind: state.destination(briefing_id, kind, start) for kind in briefing.delivery.kinds}
        state.save()
        on_disk = {edition.number for edition in editions}
        for record in records.values():  # forget editions pruned from disk
            record["editions"] = {key: value for key, value in record["editions"].items()
                                  if key.isdigit() and int(key) in on_disk}
        for edition in editions:
            due = [kind for kind, record in records.items()
                   if edition.number > record["since"] and not record["editions"].get(str(edition.number), {})
                   .get("delivered")]
            if not due:
                continue
            try:
                parcel = load_parcel(output_dir, root, briefing_id, edition.number)
            except FileProblem as error:
                report.problems.append(error.problem)
                continue
            for kind in due:
                _attempt(state, records[kind], report, briefing.delivery, kind, parcel, sleep, send, retry_seconds)


def _attempt(state: _State, record: dict[str, Any], report: DeliveryReport, settings: Delivery, kind: str,
             parcel: Any, sleep: Callable[[float], None], send: Sender, retry_seconds: list[float] | None) -> None:
    delays = list(settings.retry_seconds if retry_seconds is None else retry_seconds)
    attempts = 0
    message = ""
    while True:
        attempts += 1
        try:
            send(settings, kind, parcel, state.root)
        except SettingProblem as error:
            message = str(error)
            break
        except DeliveryFailed as error:
            message = str(error)
            if not delays:
                break
            sleep(delays.pop(0))
            continue
        except FileProblem as error:
            message = error.problem.message
            break
        entry = record["editions"].setdefault(str(parcel.number), {})
        entry.update({"delivered": _now(), "attempts": attempts})
        entry.pop("error", None)
        state.save()
        report.outcomes.append(Outcome(parcel.briefing_id, parcel.number, kind, True, attempts))
        return
    entry = record["editions"].setdefault(str(parcel.number), {})
    entry.update({"failed": _now(), "attempts": attempts, "error": message})
    state.save()
    report.outcomes.append(Outcome(parcel.briefing_id, parcel.number, kind, False, attempts, message))
    path, line = _locate(state.root, parcel.briefing_id, kind)
    tries = f" after {attempts} attempts" if attempts > 1 else ""
    report.problems.append(Problem(path, line, clean_text(
        f"delivery of {parcel.briefing_id} edition {parcel.number} by {kind} failed{tries}: {message} (it stays "
        f"due: the next run tries again)", one_line=True)))


def after_publish(root: Path, *, published: Mapping[str, int] | None = None,
                  redeliver: tuple[str, int] | None = None, **options: Any) -> DeliveryReport:
    """Deliver what is due for the project at ``root`` (:func:`deliver`), then write the feed.

    A run that published nothing, with nothing left from an earlier run (no delivery state), writes nothing."""
    if not published and redeliver is None and not (Path(root) / STATE_FILE).exists():
        return DeliveryReport()
    project = load_project_partially(Path(root))[0]
    report = deliver(project, published=published, redeliver=redeliver, **options)
    report.problems.extend(update_feed(project))
    return report


def update_feed(project: Project) -> list[Problem]:
    """Write ``output/editions/feed.xml`` for every briefing of the project."""
    settings = project.settings
    title = settings.title or "Briefings"
    try:
        return write_feed(project.root / OUTPUT_DIR, project.root, [briefing.id for briefing in project.briefings],
                          title=title, author=settings.author or title)
    except OSError as error:
        return [Problem(f"{OUTPUT_DIR}/{EDITIONS_NAME}/feed.xml", None, f"cannot write the feed ({error.strerror})")]
