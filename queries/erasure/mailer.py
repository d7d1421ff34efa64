"""Mail to employees when their deletion request changes state.

The request store records a notification in the same transaction as each
change of state; this sends the ones not sent yet, through the SMTP server
`[mail]` names, and marks each once the server took it. A server that is
down loses nothing: the notifications wait and go with the next change (or
the next start). Sending runs in a thread of its own, so a slow server never
holds up the page that changed the request. Each notification is claimed
before it is sent, so that mailers trying at the same moment (every portal
process has one) never send it twice. A mail says only that the request
changed and where to read more: mail leaves the company's systems.
"""

from __future__ import annotations

import logging
import os
import secrets
import smtplib
import sqlite3
import threading
from email.message import EmailMessage

from queries.discovery.directory import Directory
from queries.erasure.requests import DeletionRequests
from queries.erasure.wording import notification_text
from settings import MailSettings

log = logging.getLogger(__name__)

PASSWORD_ENV = "DAYLIGHT_SMTP_PASSWORD"
TIMEOUT_SECONDS = 10


class Mailer:
    def __init__(self, settings: MailSettings, directory: Directory):
        self._settings, self._directory = settings, directory
        self._lock = threading.Lock()
        self._name = f"mailer-{os.getpid()}-{secrets.token_hex(4)}"  # whose claims are whose, across processes

    @property
    def configured(self) -> bool:
        return bool(self._settings.smtp_host)

    def deliver_soon(self, requests: DeletionRequests) -> threading.Thread | None:
        """Sends what is waiting, in the background; the thread, to wait for it."""
        if not self.configured:
            return None
        sender = threading.Thread(target=self.deliver, args=(requests,), name="daylight-mail", daemon=True)
        sender.start()
        return sender

    def deliver(self, requests: DeletionRequests) -> int:
        """Sends every notification not sent yet that no other mailer is
        sending; how many went. What could not be sent is given back."""
        if not self.configured:
            return 0
        with self._lock:
            try:
                waiting = requests.claim_unmailed(self._name)
                if not waiting:
                    return 0
                try:
                    return self._send(requests, waiting)
                finally:
                    requests.release_mail_claims(self._name)
            except sqlite3.Error as problem:  # a claim left behind goes stale and is taken over: nothing is lost
                log.warning("deletion request mail stopped: the request store cannot be used (%s)", problem)
                return 0

    def _send(self, requests: DeletionRequests, waiting: list) -> int:
        """Sends the claimed notifications, each marked once the server took it; how many went."""
        sent = 0
        try:
            with smtplib.SMTP(self._settings.smtp_host, self._settings.smtp_port, timeout=TIMEOUT_SECONDS) as smtp:
                if self._settings.starttls:
                    smtp.starttls()
                if self._settings.username:
                    smtp.login(self._settings.username, os.environ.get(PASSWORD_ENV, ""))
                for request_id, employee_id, at, state in waiting:
                    person = self._directory.by_id(employee_id)
                    if person is not None:
                        smtp.send_message(self._message(person.email, person.name, request_id, state))
                    requests.mark_mailed(request_id, at, state)
                    sent += 1
        except (OSError, smtplib.SMTPException) as problem:
            log.warning("deletion request mail not sent (%d waiting, %d sent): %s", len(waiting), sent, problem)
        return sent

    def _message(self, address: str, name: str, request_id: str, state) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self._settings.sender
        message["To"] = address
        message["Subject"] = notification_text(request_id, state)
        where = f" at {self._settings.portal_url}" if self._settings.portal_url else ""
        message.set_content(f"Hello {name},\n\n{notification_text(request_id, state)} Sign in to Daylight{where} "
                            "and open Deletion requests to read what happened and why.\n\n— Daylight\n")
        return message
