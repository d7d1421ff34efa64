"""How the rows of each telemetry stream are drawn.

One function per kind of table: given the people the rows are about, the
columns of those rows, as a workplace AI-training telemetry program would
record them. Where each table lives, where its identifiers sit and what the
register says about it is in `sample_data.templates`.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from sample_data import vocab
from sample_data.draw import Draw


def keystrokes(d: Draw, who: np.ndarray, n: int) -> dict:
    return {
        "employee_id": d.ids(who),
        "ts": d.timestamps(n),
        "key": d.pick(vocab.KEYS, n),
        "dwell_ms": d.normal(95, 30, n, 20),
        "flight_ms": d.normal(160, 70, n, 15),
        "app": d.pick(vocab.APPS, n),
        "typed_text": d.maybe(d.pick(vocab.TYPED_SNIPPETS, n), 0.7),
    }


def mouse(d: Draw, who: np.ndarray, n: int) -> dict:
    return {
        "employee_id": d.ids(who),
        "ts": d.timestamps(n),
        "event_type": d.pick(("move", "move", "move", "click", "scroll", "double_click"), n),
        "x": d.integers(0, 2560, n),
        "y": d.integers(0, 1440, n),
        "button": d.pick(("none", "left", "right"), n),
        "app": d.pick(vocab.APPS, n),
    }


def screen_captures(d: Draw, who: np.ndarray, n: int) -> dict:
    return {
        "employee_id": d.ids(who),
        "ts": d.timestamps(n),
        "capture_id": pa.array([f"cap-{i:09d}" for i in d.rng.integers(0, 10**9, n)]),
        "active_app": d.pick(vocab.APPS, n),
        "window_title": d.pick(vocab.WINDOW_TITLES, n),
        "width": d.pick((1920, 2560, 1440), n),
        "height": d.pick((1080, 1440, 900), n),
        "ocr_text": d.maybe(d.pick(vocab.TYPED_SNIPPETS + vocab.WINDOW_TITLES, n), 0.4),
    }


def app_focus(d: Draw, who: np.ndarray, n: int) -> dict:
    return {
        "employee_id": d.ids(who),
        "ts": d.timestamps(n),
        "app": d.pick(vocab.APPS, n),
        "window_title": d.pick(vocab.WINDOW_TITLES, n),
        "duration_s": d.integers(2, 1800, n),
    }


def browser(d: Draw, who: np.ndarray, n: int) -> dict:
    return {
        "user_email": d.emails(who),
        "ts": d.timestamps(n),
        "url": d.pick(vocab.URLS, n),
        "duration_s": d.integers(1, 900, n),
        "incognito": d.pick((False, False, False, True), n),
    }


def client_events(d: Draw, who: np.ndarray, n: int) -> dict:
    payload = d.json_payloads({
        "user.id": d.ids(who),
        "event": d.pick(("idle_start", "idle_end", "lock", "unlock", "vpn_connect"), n),
        "agent.version": "4.2.1",
    }, n)
    return {"event_id": d.integers(0, 2**62, n), "ts": d.timestamps(n), "payload": payload}


def prompts(d: Draw, who: np.ndarray, n: int) -> dict:
    return {
        "user_email": d.emails(who),
        "ts": d.timestamps(n),
        "conversation_id": pa.array([f"conv-{i:08x}" for i in d.rng.integers(0, 2**32, n)]),
        "model": d.pick(("acme-gpt-4", "acme-gpt-4-mini", "code-helper"), n),
        "prompt_text": d.pick(vocab.PROMPTS, n),
        "prompt_tokens": d.integers(5, 900, n),
    }


def responses(d: Draw, who: np.ndarray, n: int) -> dict:
    return {
        "user_email": d.emails(who),
        "ts": d.timestamps(n),
        "response_text": d.pick(vocab.RESPONSES, n),
        "completion_tokens": d.integers(10, 2000, n),
        "thumbs": d.maybe(d.pick(("up", "down"), n), 0.8),
    }


def chat(d: Draw, who: np.ndarray, n: int) -> dict:
    return {
        "message_id": d.integers(0, 2**62, n),
        "ts": d.timestamps(n),
        "sender": d.emails(who),
        "recipients": d.others(who, 4, emails=True),
        "channel": d.pick(("direct", "direct", "team", "project-x", "random"), n),
        "message_text": d.pick(vocab.CHAT_LINES, n),
    }


def transcripts(d: Draw, who: np.ndarray, n: int) -> dict:
    return {
        "meeting_id": pa.array([f"mtg-{i:06d}" for i in d.rng.integers(0, 10**6, n)]),
        "ts": d.timestamps(n),
        "meeting_title": d.pick(vocab.MEETING_TITLES, n),
        "speaker_id": d.ids(who),
        "participants": d.others(who, 6, emails=False),
        "utterance": d.pick(vocab.TRANSCRIPT_LINES, n),
        "sentiment": d.normal(0.1, 0.4, n, -1.0),
    }


def badge(d: Draw, who: np.ndarray, n: int) -> dict:
    return {
        "employee_id": d.ids(who),
        "ts": d.timestamps(n),
        "site": d.pick(vocab.SITES, n),
        "door": d.pick(vocab.DOORS, n),
        "direction": d.pick(("in", "out"), n),
    }


def dlp(d: Draw, who: np.ndarray, n: int) -> dict:
    return {
        "alert_id": d.integers(0, 2**62, n),
        "ts": d.timestamps(n),
        "actor": d.emails(who),
        "rule": d.pick(vocab.DLP_RULES, n),
        "severity": d.pick(("low", "low", "medium", "high"), n),
        "file_name": d.pick(("export.csv", "customers.xlsx", "notes.txt", "payslip.pdf"), n),
    }


def logins(d: Draw, who: np.ndarray, n: int) -> dict:
    return {
        "ts": d.timestamps(n),
        "actor": d.ids(who),
        "device": pa.array([f"{p}{i:05d}" for p, i in zip(d.pick(vocab.DEVICES, n).to_pylist(), d.rng.integers(0, 99999, n))]),
        "source_ip": pa.array([f"10.{a}.{b}.{c}" for a, b, c in d.rng.integers(0, 255, (n, 3))]),
        "result": d.pick(("success", "success", "success", "failure"), n),
    }


def ratings(d: Draw, who: np.ndarray, n: int) -> dict:
    managers = np.asarray(d.workforce.column("manager_id"), dtype=object)[who]
    return {
        "employee_id": d.ids(who),
        "review_period": d.pick(("2025-H2", "2026-H1"), n),
        "rating": d.pick((1, 2, 3, 3, 3, 4, 4, 5), n),
        "reviewer_id": pa.array(managers, type=pa.string()),
        "comments": d.pick(vocab.PERFORMANCE_COMMENTS, n),
        "ts": d.timestamps(n),
    }


def typing_rhythm(d: Draw, who: np.ndarray, n: int) -> dict:
    return {
        "employee_id": d.ids(who),
        "day": d.days_of(n),
        "mean_dwell_ms": d.normal(95, 12, n, 30),
        "mean_flight_ms": d.normal(160, 25, n, 40),
        "words_per_minute": d.normal(52, 14, n, 5),
        "backspace_rate": d.normal(0.07, 0.03, n, 0),
        "stress_indicator": d.normal(0.3, 0.2, n, 0),
    }


def productivity(d: Draw, who: np.ndarray, n: int) -> dict:
    return {
        "employee_id": d.ids(who),
        "day": d.days_of(n),
        "active_minutes": d.integers(30, 600, n),
        "idle_ratio": d.normal(0.25, 0.12, n, 0),
        "focus_score": d.normal(62, 15, n, 0),
        "productivity_score": d.normal(70, 12, n, 0),
    }


def app_usage(d: Draw, who: np.ndarray, n: int) -> dict:
    return {
        "user_email": d.emails(who),
        "day": d.days_of(n),
        "app": d.pick(vocab.APPS, n),
        "minutes": d.integers(1, 300, n),
    }


def typing_corpus(d: Draw, who: np.ndarray, n: int) -> dict:
    payload = d.json_payloads({
        "uid": d.ids(who),
        "text": d.pick(vocab.TYPED_SNIPPETS, n),
        "mean_dwell_ms": d.normal(95, 12, n, 30),
    }, n)
    return {"sample_id": d.integers(0, 2**62, n), "split": d.pick(("train", "train", "train", "eval"), n), "payload": payload}


def assistant_finetune(d: Draw, who: np.ndarray, n: int) -> dict:
    payload = d.json_payloads({
        "meta.author.email": d.emails(who),
        "meta.source": "ai_assistant.prompts",
        "prompt": d.pick(vocab.PROMPTS, n),
        "response": d.pick(vocab.RESPONSES, n),
    }, n)
    return {"example_id": d.integers(0, 2**62, n), "payload": payload, "quality": d.normal(0.7, 0.2, n, 0)}


def screen_ocr_dataset(d: Draw, who: np.ndarray, n: int) -> dict:
    payload = d.json_payloads({
        "capture.employee": d.ids(who),
        "capture.app": d.pick(vocab.APPS, n),
        "ocr": d.pick(vocab.TYPED_SNIPPETS + vocab.WINDOW_TITLES, n),
    }, n)
    return {"item_id": d.integers(0, 2**62, n), "payload": payload, "label": d.pick(("work", "personal", "unknown"), n)}


def engagement_features(d: Draw, who: np.ndarray, n: int) -> dict:
    return {
        "actor": d.emails(who),
        "week": d.days_of(n),
        "chat_messages": d.integers(0, 400, n),
        "after_hours_minutes": d.integers(0, 600, n),
        "attrition_risk": d.normal(0.2, 0.15, n, 0),
    }


def retention_ledger(d: Draw, who: np.ndarray, n: int) -> dict:
    """Statutory records: kept under a legal duty, not deletable on request."""
    return {
        "employee_id": d.ids(who),
        "ts": d.timestamps(n),
        "record_type": d.pick(("working_time", "overtime", "shift_swap"), n),
        "minutes": d.integers(0, 720, n),
    }


def vpn_sessions(d: Draw, who: np.ndarray, n: int) -> dict:
    """Keyed on the domain login only (`ACME\\igarcia`), as a VPN concentrator logs it."""
    return {
        "ts": d.timestamps(n),
        "account": pa.array([f"ACME\\{login}" for login in d.column("login", who)]),
        "gateway": d.pick(("vpn-fra-1", "vpn-lis-2", "vpn-waw-1"), n),
        "bytes_in": d.integers(10_000, 50_000_000, n),
        "client_ip": pa.array([f"10.{a}.{b}.{c}" for a, b, c in d.rng.integers(0, 255, (n, 3))]),
    }


def door_access(d: Draw, who: np.ndarray, n: int) -> dict:
    """Keyed on the badge number only, as an integer, as door controllers store it."""
    return {
        "event_time": d.timestamps(n),
        "badge_no": pa.array([int(b) for b in d.column("badge", who)], type=pa.int64()),
        "door": d.pick(vocab.DOORS, n),
        "granted": d.pick((True, True, True, False), n),
    }


def device_health(d: Draw, who: np.ndarray, n: int) -> dict:
    """Keyed on the device hostname only, inside a struct, as endpoint management reports it."""
    hosts = [h.split(";")[0] for h in d.column("hostnames", who)]
    cpu = d.normal(35, 20, n).to_pylist()
    return {
        "reported_at": d.timestamps(n),
        "device": pa.array([{"hostname": h, "os": "Windows 11"} for h in hosts],
                           type=pa.struct([("hostname", pa.string()), ("os", pa.string())])),
        "cpu_percent": pa.array(cpu),
        "disk_encrypted": d.pick((True, True, False), n),
    }
