"""Delivery by email: one message per edition, "what changed" as plain text and HTML, the PDF attached.

Contract: :func:`send` builds the message (:func:`message`) and hands it to
the SMTP server the settings name: a TLS connection from the start
(``tls: true``), STARTTLS after connecting (the default), or neither
(``starttls: false``, for a local relay), logging in when a ``user`` is
given. The password is read here, at delivery time, from the environment
variable or the file the settings name; :class:`DeliveryFailed` carries any
failure as a message (the runner retries and reports it).
"""

from __future__ import annotations

import html
import os
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from briefings.delivery.parcel import Parcel, clean_text
from briefings.project.delivery_settings import Email

ATTACHMENT_TYPES = {"pdf": ("application", "pdf"), "html": ("text", "html"), "md": ("text", "markdown"),
                    "json": ("application", "json"),
                    "docx": ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document")}


class DeliveryFailed(Exception):
    """A delivery that did not succeed, with why (one line)."""


class SettingProblem(DeliveryFailed):
    """A delivery that cannot succeed until a setting is fixed (not retried)."""


def password(settings: Email, root: Path) -> str | None:
    smtp = settings.smtp
    if smtp.password_env:
        value = os.environ.get(smtp.password_env)
        if not value:
            raise SettingProblem(f"the environment variable {smtp.password_env} (password_env) is not set")
        return value
    if smtp.password_file:
        path = (root / Path(smtp.password_file).expanduser())
        try:
            with open(path, encoding="utf-8") as handle:
                value = handle.read(4096).strip()
        except (OSError, UnicodeDecodeError) as error:
            raise SettingProblem(f"cannot read the password file {smtp.password_file} "
                                 f"({error.strerror if isinstance(error, OSError) else error})") from None
        if not value:
            raise SettingProblem(f"the password file {smtp.password_file} is empty")
        return value
    return None


def message(settings: Email, parcel: Parcel, root: Path) -> EmailMessage:
    mail = EmailMessage()
    mail["Subject"] = parcel.subject
    mail["From"] = settings.sender
    mail["To"] = ", ".join(settings.to)
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = make_msgid(domain=settings.sender.rsplit("@", 1)[1])
    heading = clean_text(f"{parcel.title}: edition {parcel.number} of {parcel.date.isoformat()}", one_line=True)
    lines = parcel.summary or ["no change recorded"]
    mail.set_content("\n".join([heading, "", "What changed:", *(f"  {line}" for line in lines), ""]))
    items = "".join(f"<li>{html.escape(line)}</li>" for line in lines)
    mail.add_alternative(f"<!DOCTYPE html><html><body><h1>{html.escape(heading)}</h1><h2>What changed</h2>"
                         f"<ul>{items}</ul></body></html>", subtype="html")
    for extension in settings.attach:
        if extension not in parcel.files:
            continue
        maintype, subtype = ATTACHMENT_TYPES[extension]
        mail.add_attachment(parcel.read(extension, root), maintype=maintype, subtype=subtype,
                            filename=parcel.files[extension].name)
    return mail


def send(settings: Email, parcel: Parcel, root: Path) -> None:
    secret = password(settings, root)
    mail = message(settings, parcel, root)
    smtp = settings.smtp
    context = ssl.create_default_context()
    try:
        if smtp.tls:
            client: smtplib.SMTP = smtplib.SMTP_SSL(smtp.host, smtp.effective_port, timeout=smtp.timeout,
                                                    context=context)
        else:
            client = smtplib.SMTP(smtp.host, smtp.effective_port, timeout=smtp.timeout)
        with client:
            if smtp.uses_starttls:
                client.starttls(context=context)
            if smtp.user and secret is not None:
                client.login(smtp.user, secret)
            refused = client.send_message(mail)
    except smtplib.SMTPException as error:
        raise DeliveryFailed(f"SMTP server {smtp.host}:{smtp.effective_port}: {clean_text(error, one_line=True)}"
                             ) from None
    except OSError as error:
        raise DeliveryFailed(f"cannot reach SMTP server {smtp.host}:{smtp.effective_port} "
                             f"({clean_text(error.strerror or error, one_line=True)})") from None
    if refused:
        raise DeliveryFailed(f"SMTP server refused {', '.join(sorted(refused))}")
