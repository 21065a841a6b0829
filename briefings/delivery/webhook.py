"""Delivery to a webhook: the edition's JSON snapshot, "what changed" and links POSTed to a URL.

Contract: :func:`send` POSTs one JSON object (:func:`payload`):
``briefing``, ``title``, ``edition``, ``date``, ``what_changed`` (lines),
``text`` (one message for chat tools), ``files`` (each format's file, relative
to the project) and ``snapshot`` (the edition's snapshot). Any answer other
than 2xx, a redirect included (never followed), or no answer within the
timeout is a :class:`~briefings.delivery.email.DeliveryFailed`.
"""

from __future__ import annotations

import os
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import orjson

from briefings.delivery.email import DeliveryFailed
from briefings.delivery.parcel import Parcel, clean_text
from briefings.project.delivery_settings import Webhook


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def payload(parcel: Parcel, root: Path) -> dict[str, Any]:
    lines = parcel.summary or ["no change recorded"]
    return {"briefing": parcel.briefing_id, "title": parcel.title, "edition": parcel.number,
            "date": parcel.date.isoformat(), "what_changed": lines,
            "text": "\n".join([parcel.subject, *lines]),
            "files": {extension: os.path.relpath(path, root) for extension, path in sorted(parcel.files.items())},
            "snapshot": parcel.snapshot}


def send(settings: Webhook, parcel: Parcel, root: Path) -> None:
    request = urllib.request.Request(settings.url, data=orjson.dumps(payload(parcel, root)), method="POST",
                                     headers={"Content-Type": "application/json", "User-Agent": "briefings"})
    opener = urllib.request.build_opener(_NoRedirects())
    try:
        with opener.open(request, timeout=settings.timeout) as answer:
            answer.read(1 << 16)
    except urllib.error.HTTPError as error:
        raise DeliveryFailed(f"webhook answered {error.code} {clean_text(error.reason, one_line=True)}") from None
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise DeliveryFailed(f"cannot reach the webhook ({clean_text(reason, one_line=True)})") from None
