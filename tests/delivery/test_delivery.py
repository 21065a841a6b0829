"""Delivery of new editions to email, a folder and a webhook, against real servers on loopback; and the feed.

The SMTP server is aiosmtpd's, the webhook a ``http.server`` thread, the
folder a temporary directory: nothing is mocked. Retries wait
``retry_seconds: [0]`` (one immediate retry), so nothing here sleeps.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest
import yaml

from briefings.project.schema import BriefingSpec, Settings
from tests.conftest import REFERENCES, REPO_ROOT, TOPIC, invoke, line_of, write
from tests.delivery.servers import smtp_server, webhook_server

ATOM = "{http://www.w3.org/2005/Atom}"
FACT = "The two leaders held talks in London."


def settings(port: int, url: str, folder: Path, extra_smtp: str = "") -> str:
    return f"""\
title: Desk briefings
formats: [md, html, pdf]
delivery:
  email:
    from: briefings@example.org
    to: [desk@example.org, duty@example.org]
    smtp: {{host: 127.0.0.1, port: {port}, starttls: false{extra_smtp}}}
  folder: {folder}
  webhook: {{url: "{url}"}}
  retry_seconds: [0]
briefings:
  alpha:
    title: Alpha briefing
    topics: [test-topic]
"""


@pytest.fixture
def servers(tmp_path: Path):
    with smtp_server() as (mailbox, port), webhook_server() as (hook, url):
        folder = tmp_path / "share"
        folder.mkdir()
        root = tmp_path / "project"
        write(root, "sources/references.yaml", REFERENCES)
        write(root, "sources/topics/test-topic.yaml", TOPIC)
        write(root, "briefings.yaml", settings(port, url, folder))
        yield root, mailbox, hook, folder


def publish(root: Path, day: str, *extra: str):
    return invoke("publish", "--project", str(root), "--now", day, "--jobs", "1", *extra)


def change_fact(root: Path, new: str) -> None:
    path = root / "sources/topics/test-topic.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(FACT, new), encoding="utf-8")


def state(root: Path) -> dict:
    return json.loads((root / "output/editions/delivery-state.json").read_text(encoding="utf-8"))


def test_each_new_edition_reaches_email_folder_and_webhook_once(servers) -> None:
    root, mailbox, hook, folder = servers
    result = publish(root, "2026-12-01")
    assert result.exit_code == 0, result.output
    for kind in ("email", "folder", "webhook"):
        assert f"delivered alpha edition 1 by {kind}" in result.output
    assert len(mailbox.messages) == 1
    message = mailbox.messages[0]
    assert message["Subject"] == "Alpha briefing: edition 1 (2026-12-01)"
    assert mailbox.envelopes[0] == ("briefings@example.org", ["desk@example.org", "duty@example.org"])
    plain_text = message.get_body(("plain",)).get_content()
    assert "What changed:" in plain_text and "first edition" in plain_text
    assert "<li>first edition</li>" in message.get_body(("html",)).get_content()
    attachments = list(message.iter_attachments())
    assert [part.get_filename() for part in attachments] == ["alpha-edition-0001-2026-12-01.pdf"]
    assert attachments[0].get_content().startswith(b"%PDF-")
    assert sorted(path.name for path in folder.iterdir()) == [
        f"alpha-edition-0001-2026-12-01.{ext}" for ext in ("html", "json", "md", "pdf")]
    edition_dir = root / "output/editions/alpha"
    for path in folder.iterdir():
        assert path.read_bytes() == (edition_dir / path.name).read_bytes()
    assert len(hook.received) == 1
    body = hook.received[0]
    assert (body["briefing"], body["edition"], body["date"]) == ("alpha", 1, "2026-12-01")
    assert body["snapshot"]["briefing"]["id"] == "alpha" and body["what_changed"] == ["first edition"]
    assert body["files"]["pdf"] == "output/editions/alpha/alpha-edition-0001-2026-12-01.pdf"

    change_fact(root, "The two leaders held long talks in Paris.")
    result = publish(root, "2026-12-08")
    assert result.exit_code == 0, result.output
    assert len(mailbox.messages) == 2 and len(hook.received) == 2
    second = mailbox.messages[1].get_body(("plain",)).get_content()
    assert "~ fact test-topic/talks-held" in second and "Paris" in second
    assert "Paris" in mailbox.messages[1].get_body(("html",)).get_content()
    assert hook.received[1]["edition"] == 2

    result = publish(root, "2026-12-09")  # nothing new: nothing sent again
    assert result.exit_code == 0 and "delivered" not in result.output
    assert len(mailbox.messages) == 2 and len(hook.received) == 2
    assert len(list(folder.iterdir())) == 8

    feed = ElementTree.parse(root / "output/editions/feed.xml").getroot()
    assert feed.tag == f"{ATOM}feed" and feed.findtext(f"{ATOM}title") == "Desk briefings"
    entries = feed.findall(f"{ATOM}entry")
    assert [entry.findtext(f"{ATOM}title") for entry in entries] == [
        "Alpha briefing: edition 2 (2026-12-08)", "Alpha briefing: edition 1 (2026-12-01)"]
    assert "Paris" in entries[0].findtext(f"{ATOM}summary")
    assert len({entry.findtext(f"{ATOM}id") for entry in entries}) == 2
    link = entries[0].find(f"{ATOM}link[@rel='alternate']")
    assert (root / "output/editions" / link.get("href")).is_file()


def test_a_failed_delivery_is_retried_reported_and_sent_by_the_next_run_only_there(servers) -> None:
    root, mailbox, hook, folder = servers
    hook.status = 503
    result = publish(root, "2026-12-01")
    assert result.exit_code == 1
    line = line_of((root / "briefings.yaml").read_text(encoding="utf-8"), "webhook:")
    assert (f"briefings.yaml:{line}: delivery of alpha edition 1 by webhook failed after 2 attempts: webhook "
            "answered 503") in result.stderr
    assert "Traceback" not in result.output
    assert len(mailbox.messages) == 1 and len(list(folder.iterdir())) == 4
    recorded = state(root)["briefings"]["alpha"]
    assert recorded["webhook"]["editions"]["1"]["attempts"] == 2 and "delivered" not in recorded["webhook"][
        "editions"]["1"]
    hook.status = None
    result = publish(root, "2026-12-02")
    assert result.exit_code == 0, result.output
    assert result.output.count("delivered") == 1 and "delivered alpha edition 1 by webhook" in result.output
    assert len(mailbox.messages) == 1 and len(hook.received) == 1


def test_a_run_killed_between_two_destinations_is_completed_by_the_next_without_duplicates(servers) -> None:
    root, mailbox, hook, folder = servers
    hook.hang = True  # email and folder go first; the webhook request hangs, and the run is killed there
    process = subprocess.Popen([sys.executable, "-m", "briefings", "publish", "--project", str(root), "--now",
                                "2026-12-01", "--jobs", "1"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert hook.reached.wait(120), process.communicate(timeout=5)
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.wait(30)
    assert len(mailbox.messages) == 1 and len(list(folder.iterdir())) == 4 and hook.received == []
    recorded = state(root)["briefings"]["alpha"]
    assert {kind for kind in recorded if recorded[kind]["editions"].get("1", {}).get("delivered")} == {
        "email", "folder"}
    hook.hang = False
    result = publish(root, "2026-12-01")
    assert result.exit_code == 0, result.output
    assert result.output.count("delivered") == 1 and "delivered alpha edition 1 by webhook" in result.output
    assert len(mailbox.messages) == 1 and len(hook.received) == 1 and hook.received[0]["edition"] == 1


def test_redeliver_sends_one_edition_again(servers) -> None:
    root, mailbox, hook, _ = servers
    assert publish(root, "2026-12-01").exit_code == 0
    result = invoke("publish", "--project", str(root), "--redeliver", "alpha", "1")
    assert result.exit_code == 0, result.output
    assert "delivered alpha edition 1 by email again" in result.output
    assert len(mailbox.messages) == 2 and len(hook.received) == 2
    result = invoke("publish", "--project", str(root), "--redeliver", "alpha", "7")
    assert result.exit_code == 1 and "--redeliver: briefing 'alpha' has no edition 7" in result.stderr


def test_a_missing_password_variable_is_a_located_problem_at_delivery_time(servers, monkeypatch) -> None:
    root, mailbox, _, _ = servers
    text = (root / "briefings.yaml").read_text(encoding="utf-8")
    port = text.split("port: ")[1].split(",")[0]
    (root / "briefings.yaml").write_text(text.replace(
        f"port: {port}, starttls: false", f"port: {port}, starttls: false, user: desk, "
        "password_env: BRIEFINGS_TEST_NO_SUCH_PASSWORD"), encoding="utf-8")
    monkeypatch.delenv("BRIEFINGS_TEST_NO_SUCH_PASSWORD", raising=False)
    result = publish(root, "2026-12-01")
    assert result.exit_code == 1
    assert (f"briefings.yaml:{line_of(text, 'email:')}: delivery of alpha edition 1 by email failed: the "
            "environment variable BRIEFINGS_TEST_NO_SUCH_PASSWORD (password_env) is not set") in result.stderr
    assert "Traceback" not in result.output and mailbox.messages == []


@pytest.mark.parametrize(("old", "new", "message"), [
    ("to: [desk@example.org, duty@example.org]", "to: [desk@example.org, 'duty at example.org']",
     "is not an email address"),
    ("starttls: false", "starttls: false, password: hunter2", "a password is never written in briefings.yaml"),
    ('url: "http', 'url: "ftp', "is not an http or https URL"),
])
def test_bad_settings_are_located(servers, old: str, new: str, message: str) -> None:
    root = servers[0]
    text = (root / "briefings.yaml").read_text(encoding="utf-8")
    (root / "briefings.yaml").write_text(text.replace(old, new), encoding="utf-8")
    result = invoke("check", "--project", str(root))
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert any(line.startswith("briefings.yaml:") and message in line for line in result.stderr.splitlines()), \
        result.stderr


def test_the_folder_never_writes_through_a_link_inside_it(servers, tmp_path: Path) -> None:
    root, _, _, folder = servers
    outside = tmp_path / "outside.md"
    outside.write_text("keep me", encoding="utf-8")
    (folder / "alpha-edition-0001-2026-12-01.md").symlink_to(outside)
    assert publish(root, "2026-12-01").exit_code == 0
    assert outside.read_text(encoding="utf-8") == "keep me"
    placed = folder / "alpha-edition-0001-2026-12-01.md"
    assert not placed.is_symlink() and placed.read_bytes() == (root / "output/editions/alpha" / placed.name
                                                               ).read_bytes()
    assert not [path for path in folder.iterdir() if path.name.startswith(".")]


def test_a_missing_folder_is_located_and_the_others_are_delivered(servers) -> None:
    root, mailbox, hook, folder = servers
    folder.rmdir()
    result = publish(root, "2026-12-01")
    line = line_of((root / "briefings.yaml").read_text(encoding="utf-8"), "folder:")
    assert result.exit_code == 1
    assert f"briefings.yaml:{line}: delivery of alpha edition 1 by folder failed: the folder " in result.stderr
    assert len(mailbox.messages) == 1 and len(hook.received) == 1


def test_the_feed_is_written_without_any_delivery(tmp_path: Path) -> None:
    root = tmp_path / "project"
    write(root, "sources/references.yaml", REFERENCES)
    write(root, "sources/topics/test-topic.yaml", TOPIC.replace("Test topic", "Tom & <Jerry>"))
    write(root, "briefings.yaml", "formats: [md]\n")
    assert publish(root, "2026-12-01").exit_code == 0
    feed = ElementTree.parse(root / "output/editions/feed.xml").getroot()
    assert [entry.findtext(f"{ATOM}title") for entry in feed.findall(f"{ATOM}entry")] == [
        "Tom & <Jerry>: edition 1 (2026-12-01)"]
    assert not (root / "output/editions/delivery-state.json").exists()


def test_kinds_named_on_a_briefing_replace_the_projects(servers) -> None:
    root, mailbox, hook, folder = servers
    text = (root / "briefings.yaml").read_text(encoding="utf-8")
    (root / "briefings.yaml").write_text(text + "    delivery:\n      webhook: {url: \"http://127.0.0.1:9/x\"}\n"
                                         "      retry_seconds: []\n", encoding="utf-8")
    result = publish(root, "2026-12-01")
    assert result.exit_code == 1 and "by webhook failed: cannot reach the webhook" in result.stderr
    assert len(mailbox.messages) == 1 and hook.received == [] and len(list(folder.iterdir())) == 4



def test_a_scheduled_run_delivers_what_it_publishes(servers) -> None:
    root, mailbox, hook, folder = servers
    text = (root / "briefings.yaml").read_text(encoding="utf-8")
    (root / "briefings.yaml").write_text(text + '    schedule: "0 7 * * 1"\n', encoding="utf-8")
    result = invoke("schedule", "--project", str(root), "--once", "--now", "2026-12-07T07:05", "--jobs", "1")
    assert result.exit_code == 0, result.output
    assert "published alpha as edition 1" in result.output and result.output.count("delivered alpha") == 3
    assert len(mailbox.messages) == 1 and len(hook.received) == 1 and len(list(folder.iterdir())) == 4
    result = invoke("schedule", "--project", str(root), "--once", "--now", "2026-12-07T07:30", "--jobs", "1")
    assert result.exit_code == 0 and "delivered" not in result.output
    assert len(mailbox.messages) == 1 and len(hook.received) == 1


def test_the_readme_example_is_valid() -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("### Delivery", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    parsed = Settings.model_validate(yaml.safe_load(block))
    assert parsed.delivery is not None and parsed.delivery.kinds == ["email", "folder", "webhook"]
    assert parsed.delivery.email is not None and parsed.delivery.email.smtp.effective_port == 587
    spec = BriefingSpec.model_validate({"id": "baltic-security", **parsed.briefings["baltic-security"]})
    merged = parsed.delivery.merged(spec.delivery)
    assert merged.folder == "/srv/share/baltic" and merged.email == parsed.delivery.email
