"""Deletion requests told by mail: one mail per change of state, through a
real SMTP server on the loopback (the development mail sink); a server
that is down delays mail and nothing else; and however many mailers try
at once, each change is mailed once."""

from __future__ import annotations

import email
import email.policy
import threading
import time
from datetime import UTC, datetime, timedelta

from devtools.mail_sink import MailSink
from devtools.stack import free_port
from queries.backend import Backend
from queries.erasure import service as deletions
from queries.erasure.mailer import Mailer
from queries.erasure.requests import MAIL_CLAIM_STALE, Move, Scope, State
from tests.conftest import seeded_config
from tests.test_deletion import people


def until_all_mailed(backend: Backend, seconds: float = 30) -> None:
    """Waits while notifications wait: a backend's own mailer sends from a thread."""
    deadline = time.monotonic() + seconds
    while backend.requests.unmailed() and time.monotonic() < deadline:
        time.sleep(0.1)


def test_each_change_of_a_request_is_notified_in_the_portal_and_by_mail(tmp_path, sample, indexed_state, demo_users):
    """A real SMTP server on the loopback (the development mail sink) receives one mail per change."""
    port = free_port()
    sink = MailSink(port, tmp_path / "mail")
    sink.start()
    try:
        config = seeded_config(tmp_path, sample, indexed_state, {"mail": {"smtp_host": "127.0.0.1", "smtp_port": port,
                                                                          "sender": "daylight@acme.example"}})
        backend = Backend.open(config)
        employee, officer = people(backend, demo_users)
        request = backend.requests.submit(employee, Scope(False, ("chat",)), None)
        backend.requests.transition(officer, request.request_id, Move.EXTEND, "complex case")
        backend.requests.transition(officer, request.request_id, Move.DENY, "records under audit")
        deadline = time.monotonic() + 30
        while len(sink.messages()) < 3 and time.monotonic() < deadline:
            time.sleep(0.1)
        mails = [email.message_from_bytes(m, policy=email.policy.default) for m in sink.messages()]
        assert [m["Subject"] for m in mails] == [f"Your deletion request {request.request_id} {news}." for news in (
            "was received", "needs more time: its deadline was extended", "was denied")]
        assert {m["To"] for m in mails} == {employee.email}
        assert all("records under audit" not in m.get_content() for m in mails), "the reason stays in the portal"
        news = deletions.my_notifications(backend, employee)
        assert [n.state for n in news] == [State.DENIED, State.EXTENDED, State.SUBMITTED]
        assert not any(n.read for n in news)
        deletions.notifications_seen(backend, employee)
        assert all(n.read for n in deletions.my_notifications(backend, employee))
        assert backend.requests.unmailed() == []
        backend.close()
    finally:
        sink.stop()


def test_mail_that_cannot_be_sent_waits_and_nothing_else_fails(tmp_path, sample, indexed_state, demo_users):
    port = free_port()
    config = seeded_config(tmp_path, sample, indexed_state, {"mail": {"smtp_host": "127.0.0.1", "smtp_port": port}})
    backend = Backend.open(config)
    employee, _ = people(backend, demo_users)
    request = backend.requests.submit(employee, Scope(True), None)
    assert request.state is State.SUBMITTED
    mailer = Mailer(backend.settings.mail, backend.directory)
    assert mailer.deliver(backend.requests) == 0 and len(backend.requests.unmailed()) == 1
    sink = MailSink(port, tmp_path / "mail")
    sink.start()
    try:
        mailer.deliver(backend.requests)  # or the backend's own mailer, if its try after the change comes later
        until_all_mailed(backend)
        assert backend.requests.unmailed() == [] and len(sink.messages()) == 1
    finally:
        sink.stop()
        backend.close()


def test_mailers_of_several_processes_send_each_change_once(tmp_path, sample, indexed_state, demo_users):
    """Every portal process has a mailer, and each tries when a request
    changes and when it starts: a notification is claimed before it is sent,
    so it is mailed once however many try at the same moment."""
    port = free_port()
    config = seeded_config(tmp_path, sample, indexed_state, {"mail": {"smtp_host": "127.0.0.1", "smtp_port": port}})
    first = Backend.open(config)
    employee, officer = people(first, demo_users)
    request = first.requests.submit(employee, Scope(False, ("chat",)), None)
    first.requests.transition(officer, request.request_id, Move.EXTEND, "complex case")
    first.requests.transition(officer, request.request_id, Move.DENY, "records under audit")
    waiting = len(first.requests.unmailed())
    assert waiting == 3
    processes = [first] + [Backend.open(config) for _ in range(3)]
    mailers = [Mailer(backend.settings.mail, backend.directory) for backend in processes for _ in range(2)]
    sink = MailSink(port, tmp_path / "mail")
    sink.start()
    try:
        barrier = threading.Barrier(len(mailers))
        sent = []

        def deliver(mailer: Mailer, backend: Backend) -> None:
            barrier.wait()
            sent.append(mailer.deliver(backend.requests))

        threads = [threading.Thread(target=deliver, args=(mailer, processes[number // 2]))
                   for number, mailer in enumerate(mailers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        until_all_mailed(first)
        subjects = [email.message_from_bytes(m, policy=email.policy.default)["Subject"] for m in sink.messages()]
        assert first.requests.unmailed() == [] and len(subjects) == len(set(subjects)) == waiting
        assert sum(sent) <= waiting
    finally:
        sink.stop()
        for backend in processes:
            backend.close()


def test_a_claim_left_by_a_stopped_mailer_is_taken_over_once_stale(tmp_path, sample, indexed_state, demo_users):
    config = seeded_config(tmp_path, sample, indexed_state)
    backend = Backend.open(config)
    employee, _ = people(backend, demo_users)
    backend.requests.submit(employee, Scope(True), None)
    now = datetime.now(UTC)
    [claimed] = backend.requests.claim_unmailed("a mailer that stopped", now)
    assert backend.requests.claim_unmailed("another", now + timedelta(minutes=1)) == [], "a live claim is left alone"
    assert backend.requests.claim_unmailed("another", now + MAIL_CLAIM_STALE + timedelta(seconds=1)) == [claimed]
    backend.requests.release_mail_claims("another")
    assert backend.requests.claim_unmailed("a third", now + MAIL_CLAIM_STALE) == [claimed], "given back, taken again"
    backend.requests.mark_mailed(claimed[0], claimed[2], claimed[3])
    assert backend.requests.claim_unmailed("a fourth") == [] and backend.requests.unmailed() == []
    backend.close()


def test_a_request_store_that_cannot_be_used_delays_mail_and_raises_nothing(tmp_path, sample, indexed_state,
                                                                           demo_users, caplog):
    """Mail goes from a thread of its own: a store that fails is said in the
    log, and the notification waits for the next try."""
    port = free_port()
    config = seeded_config(tmp_path, sample, indexed_state, {"mail": {"smtp_host": "127.0.0.1", "smtp_port": port}})
    backend = Backend.open(config)
    employee, _ = people(backend, demo_users)
    backend.requests.submit(employee, Scope(True), None)
    mailer = Mailer(backend.settings.mail, backend.directory)
    backend.close()
    assert mailer.deliver(backend.requests) == 0
    assert "the request store cannot be used" in caplog.text
    reopened = Backend.open(config)
    assert len(reopened.requests.unmailed()) == 1, "nothing was marked mailed"
    reopened.close()
