"""The tables of a workplace AI-training telemetry program.

Each template says what a table holds, how its rows are drawn, where the
employee identifiers sit (deliberately in many shapes) and what the data
register says about it, if anything. Templates with `register=None` are the
tables somebody created and never registered: the portal must find them by
discovery.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from sample_data import vocab
from sample_data.draw import Draw, Rows


@dataclass(frozen=True)
class Identifier:
    """Where employee identifiers sit in a table, as the register records it."""

    column: str
    holds: str  # "employee_id" or "email"
    shape: str = "scalar"  # "scalar", "list" or "json"
    json_path: str | None = None

    def as_register(self) -> dict:
        entry = {"column": self.column, "holds": self.holds, "shape": self.shape}
        if self.json_path:
            entry["json_path"] = self.json_path
        return entry


@dataclass(frozen=True)
class Registration:
    description: str
    category: str
    purposes: tuple[str, ...]
    legal_basis: str
    retention_days: int
    source_system: str
    works_agreement_clause: str | None


@dataclass(frozen=True)
class Template:
    database: str
    name: str
    columns: Callable[[Draw, np.ndarray, int], dict]  # the columns of n rows about the people `who`
    identifiers: tuple[Identifier, ...]
    register: Registration | None
    row_weight: float
    partitioned: bool = False
    variants: str | None = None  # "snapshot", "region" or "copy": how the template multiplies

    def build(self, draw: Draw, n: int) -> Rows:
        who = draw.subjects(n)
        return Rows(pa.table(self.columns(draw, who, n)), who)


LEGITIMATE_INTEREST = "Art. 6(1)(f) GDPR, legitimate interest"
EMPLOYMENT = "Art. 88 GDPR with § 26 BDSG, employment relationship"
CONSENT = "Art. 6(1)(a) GDPR, consent"
LEGAL_DUTY = "Art. 6(1)(c) GDPR, legal obligation"


def _keystrokes(d: Draw, who: np.ndarray, n: int) -> dict:
    return {
        "employee_id": d.ids(who),
        "ts": d.timestamps(n),
        "key": d.pick(vocab.KEYS, n),
        "dwell_ms": d.normal(95, 30, n, 20),
        "flight_ms": d.normal(160, 70, n, 15),
        "app": d.pick(vocab.APPS, n),
        "typed_text": d.maybe(d.pick(vocab.TYPED_SNIPPETS, n), 0.7),
    }


def _mouse(d: Draw, who: np.ndarray, n: int) -> dict:
    return {
        "employee_id": d.ids(who),
        "ts": d.timestamps(n),
        "event_type": d.pick(("move", "move", "move", "click", "scroll", "double_click"), n),
        "x": d.integers(0, 2560, n),
        "y": d.integers(0, 1440, n),
        "button": d.pick(("none", "left", "right"), n),
        "app": d.pick(vocab.APPS, n),
    }


def _screen_captures(d: Draw, who: np.ndarray, n: int) -> dict:
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


def _app_focus(d: Draw, who: np.ndarray, n: int) -> dict:
    return {
        "employee_id": d.ids(who),
        "ts": d.timestamps(n),
        "app": d.pick(vocab.APPS, n),
        "window_title": d.pick(vocab.WINDOW_TITLES, n),
        "duration_s": d.integers(2, 1800, n),
    }


def _browser(d: Draw, who: np.ndarray, n: int) -> dict:
    return {
        "user_email": d.emails(who),
        "ts": d.timestamps(n),
        "url": d.pick(vocab.URLS, n),
        "duration_s": d.integers(1, 900, n),
        "incognito": d.pick((False, False, False, True), n),
    }


def _client_events(d: Draw, who: np.ndarray, n: int) -> dict:
    payload = d.json_payloads({
        "user.id": d.ids(who),
        "event": d.pick(("idle_start", "idle_end", "lock", "unlock", "vpn_connect"), n),
        "agent.version": "4.2.1",
    }, n)
    return {"event_id": d.integers(0, 2**62, n), "ts": d.timestamps(n), "payload": payload}


def _prompts(d: Draw, who: np.ndarray, n: int) -> dict:
    return {
        "user_email": d.emails(who),
        "ts": d.timestamps(n),
        "conversation_id": pa.array([f"conv-{i:08x}" for i in d.rng.integers(0, 2**32, n)]),
        "model": d.pick(("acme-gpt-4", "acme-gpt-4-mini", "code-helper"), n),
        "prompt_text": d.pick(vocab.PROMPTS, n),
        "prompt_tokens": d.integers(5, 900, n),
    }


def _responses(d: Draw, who: np.ndarray, n: int) -> dict:
    return {
        "user_email": d.emails(who),
        "ts": d.timestamps(n),
        "response_text": d.pick(vocab.RESPONSES, n),
        "completion_tokens": d.integers(10, 2000, n),
        "thumbs": d.maybe(d.pick(("up", "down"), n), 0.8),
    }


def _chat(d: Draw, who: np.ndarray, n: int) -> dict:
    return {
        "message_id": d.integers(0, 2**62, n),
        "ts": d.timestamps(n),
        "sender": d.emails(who),
        "recipients": d.others(who, 4, emails=True),
        "channel": d.pick(("direct", "direct", "team", "project-x", "random"), n),
        "message_text": d.pick(vocab.CHAT_LINES, n),
    }


def _transcripts(d: Draw, who: np.ndarray, n: int) -> dict:
    return {
        "meeting_id": pa.array([f"mtg-{i:06d}" for i in d.rng.integers(0, 10**6, n)]),
        "ts": d.timestamps(n),
        "meeting_title": d.pick(vocab.MEETING_TITLES, n),
        "speaker_id": d.ids(who),
        "participants": d.others(who, 6, emails=False),
        "utterance": d.pick(vocab.TRANSCRIPT_LINES, n),
        "sentiment": d.normal(0.1, 0.4, n, -1.0),
    }


def _badge(d: Draw, who: np.ndarray, n: int) -> dict:
    return {
        "employee_id": d.ids(who),
        "ts": d.timestamps(n),
        "site": d.pick(vocab.SITES, n),
        "door": d.pick(vocab.DOORS, n),
        "direction": d.pick(("in", "out"), n),
    }


def _dlp(d: Draw, who: np.ndarray, n: int) -> dict:
    return {
        "alert_id": d.integers(0, 2**62, n),
        "ts": d.timestamps(n),
        "actor": d.emails(who),
        "rule": d.pick(vocab.DLP_RULES, n),
        "severity": d.pick(("low", "low", "medium", "high"), n),
        "file_name": d.pick(("export.csv", "customers.xlsx", "notes.txt", "payslip.pdf"), n),
    }


def _logins(d: Draw, who: np.ndarray, n: int) -> dict:
    return {
        "ts": d.timestamps(n),
        "actor": d.ids(who),
        "device": pa.array([f"{p}{i:05d}" for p, i in zip(d.pick(vocab.DEVICES, n).to_pylist(), d.rng.integers(0, 99999, n))]),
        "source_ip": pa.array([f"10.{a}.{b}.{c}" for a, b, c in d.rng.integers(0, 255, (n, 3))]),
        "result": d.pick(("success", "success", "success", "failure"), n),
    }


def _ratings(d: Draw, who: np.ndarray, n: int) -> dict:
    managers = np.asarray(d.workforce.column("manager_id"), dtype=object)[who]
    return {
        "employee_id": d.ids(who),
        "review_period": d.pick(("2025-H2", "2026-H1"), n),
        "rating": d.pick((1, 2, 3, 3, 3, 4, 4, 5), n),
        "reviewer_id": pa.array(managers, type=pa.string()),
        "comments": d.pick(vocab.PERFORMANCE_COMMENTS, n),
        "ts": d.timestamps(n),
    }


def _typing_rhythm(d: Draw, who: np.ndarray, n: int) -> dict:
    return {
        "employee_id": d.ids(who),
        "day": d.days_of(n),
        "mean_dwell_ms": d.normal(95, 12, n, 30),
        "mean_flight_ms": d.normal(160, 25, n, 40),
        "words_per_minute": d.normal(52, 14, n, 5),
        "backspace_rate": d.normal(0.07, 0.03, n, 0),
        "stress_indicator": d.normal(0.3, 0.2, n, 0),
    }


def _productivity(d: Draw, who: np.ndarray, n: int) -> dict:
    return {
        "employee_id": d.ids(who),
        "day": d.days_of(n),
        "active_minutes": d.integers(30, 600, n),
        "idle_ratio": d.normal(0.25, 0.12, n, 0),
        "focus_score": d.normal(62, 15, n, 0),
        "productivity_score": d.normal(70, 12, n, 0),
    }


def _app_usage(d: Draw, who: np.ndarray, n: int) -> dict:
    return {
        "user_email": d.emails(who),
        "day": d.days_of(n),
        "app": d.pick(vocab.APPS, n),
        "minutes": d.integers(1, 300, n),
    }


def _typing_corpus(d: Draw, who: np.ndarray, n: int) -> dict:
    payload = d.json_payloads({
        "uid": d.ids(who),
        "text": d.pick(vocab.TYPED_SNIPPETS, n),
        "mean_dwell_ms": d.normal(95, 12, n, 30),
    }, n)
    return {"sample_id": d.integers(0, 2**62, n), "split": d.pick(("train", "train", "train", "eval"), n), "payload": payload}


def _assistant_finetune(d: Draw, who: np.ndarray, n: int) -> dict:
    payload = d.json_payloads({
        "meta.author.email": d.emails(who),
        "meta.source": "ai_assistant.prompts",
        "prompt": d.pick(vocab.PROMPTS, n),
        "response": d.pick(vocab.RESPONSES, n),
    }, n)
    return {"example_id": d.integers(0, 2**62, n), "payload": payload, "quality": d.normal(0.7, 0.2, n, 0)}


def _screen_ocr_dataset(d: Draw, who: np.ndarray, n: int) -> dict:
    payload = d.json_payloads({
        "capture.employee": d.ids(who),
        "capture.app": d.pick(vocab.APPS, n),
        "ocr": d.pick(vocab.TYPED_SNIPPETS + vocab.WINDOW_TITLES, n),
    }, n)
    return {"item_id": d.integers(0, 2**62, n), "payload": payload, "label": d.pick(("work", "personal", "unknown"), n)}


def _engagement_features(d: Draw, who: np.ndarray, n: int) -> dict:
    return {
        "actor": d.emails(who),
        "week": d.days_of(n),
        "chat_messages": d.integers(0, 400, n),
        "after_hours_minutes": d.integers(0, 600, n),
        "attrition_risk": d.normal(0.2, 0.15, n, 0),
    }


def _retention_ledger(d: Draw, who: np.ndarray, n: int) -> dict:
    """Statutory records: kept under a legal duty, not deletable on request."""
    return {
        "employee_id": d.ids(who),
        "ts": d.timestamps(n),
        "record_type": d.pick(("working_time", "overtime", "shift_swap"), n),
        "minutes": d.integers(0, 720, n),
    }


def _reg(description, category, purposes, basis, retention, source, clause) -> Registration:
    return Registration(description, category, tuple(purposes), basis, retention, source, clause)


ID = Identifier("employee_id", "employee_id")

TEMPLATES: tuple[Template, ...] = (
    Template("telemetry_raw", "keystrokes", _keystrokes, (ID,), _reg(
        "Every key press on the work laptop with timing and, for 30% of events, the typed text.",
        "keystrokes", ["ai_model_training", "productivity_analytics"], LEGITIMATE_INTEREST, 30,
        "Endpoint agent (ActivityTrace 4.2)", "BV-IT-2024 §4.1"), 30.0, True),
    Template("telemetry_raw", "mouse_events", _mouse, (ID,), _reg(
        "Mouse moves, clicks and scrolls with screen coordinates.",
        "mouse", ["ai_model_training"], LEGITIMATE_INTEREST, 30,
        "Endpoint agent (ActivityTrace 4.2)", "BV-IT-2024 §4.1"), 25.0, True),
    Template("telemetry_raw", "screen_captures", _screen_captures, (ID,), _reg(
        "Periodic screenshots: metadata and OCR'd text of the visible screen.",
        "screen", ["ai_model_training"], LEGITIMATE_INTEREST, 14,
        "Endpoint agent (ActivityTrace 4.2)", "BV-IT-2024 §4.3"), 4.0, True),
    Template("telemetry_raw", "app_focus", _app_focus, (ID,), _reg(
        "Which application and window had focus, and for how long.",
        "app_usage", ["productivity_analytics", "ai_model_training"], LEGITIMATE_INTEREST, 90,
        "Endpoint agent (ActivityTrace 4.2)", "BV-IT-2024 §4.2"), 6.0, True),
    Template("telemetry_raw", "browser_history", _browser, (Identifier("user_email", "email"),), _reg(
        "URLs visited in the managed browser, including incognito windows.",
        "browsing", ["it_security"], LEGITIMATE_INTEREST, 60,
        "Secure web gateway", "BV-IT-2024 §5"), 4.0, True),
    Template("telemetry_raw", "client_events", _client_events,
             (Identifier("payload", "employee_id", "json", "$.user.id"),), _reg(
        "Agent event bus: idle, lock and VPN events as JSON.",
        "app_usage", ["productivity_analytics"], LEGITIMATE_INTEREST, 90,
        "Endpoint agent event bus", "BV-IT-2024 §4.2"), 3.0, True),
    Template("ai_assistant", "prompts", _prompts, (Identifier("user_email", "email"),), _reg(
        "Prompts typed into the company AI assistant.",
        "ai_assistant", ["service_quality", "ai_model_training"], CONSENT, 180,
        "Assistant gateway", "BV-KI-2025 §3"), 2.0, True),
    Template("ai_assistant", "responses", _responses, (Identifier("user_email", "email"),), _reg(
        "The assistant's answers, with the employee's rating.",
        "ai_assistant", ["service_quality"], CONSENT, 180,
        "Assistant gateway", "BV-KI-2025 §3"), 2.0, True),
    Template("collab", "chat_messages", _chat,
             (Identifier("sender", "email"), Identifier("recipients", "email", "list")), _reg(
        "Chat messages with sender and recipients, including direct messages.",
        "chat", ["ai_model_training", "it_security"], LEGITIMATE_INTEREST, 365,
        "Chat platform export", "BV-IT-2024 §6"), 4.0, True),
    Template("collab", "meeting_transcripts", _transcripts,
             (Identifier("speaker_id", "employee_id"), Identifier("participants", "employee_id", "list")), _reg(
        "Automatic transcriptions of meetings, per utterance, with a sentiment score.",
        "meetings", ["ai_model_training"], CONSENT, 90,
        "Meeting recorder", "BV-KI-2025 §4"), 3.0, True),
    Template("security", "badge_events", _badge, (ID,), _reg(
        "Badge reader events at doors and sites.",
        "location", ["workplace_safety", "it_security"], LEGITIMATE_INTEREST, 90,
        "Access control system", "BV-Zutritt-2019 §2"), 3.0, True),
    Template("security", "dlp_alerts", _dlp, (Identifier("actor", "email"),), _reg(
        "Data-loss-prevention alerts raised on file transfers.",
        "security", ["it_security"], LEGITIMATE_INTEREST, 365,
        "DLP suite", "BV-IT-2024 §7"), 0.5, False),
    Template("security", "device_logins", _logins, (Identifier("actor", "employee_id"),), _reg(
        "Sign-ins on work devices, with source address.",
        "security", ["it_security"], LEGITIMATE_INTEREST, 180,
        "Identity platform", "BV-IT-2024 §7"), 1.0, True),
    Template("hr", "performance_ratings", _ratings,
             (ID, Identifier("reviewer_id", "employee_id")), _reg(
        "Half-yearly performance ratings and the reviewer's comments.",
        "performance", ["performance_management"], EMPLOYMENT, 1095,
        "HR suite", None), 0.05, False),
    Template("hr", "working_time_records", _retention_ledger, (ID,), _reg(
        "Working-time records kept under the working time act.",
        "working_time", ["payroll"], LEGAL_DUTY, 730,
        "Time tracking", "BV-Arbeitszeit-2021 §3"), 0.5, False),
    Template("derived", "typing_rhythm_features", _typing_rhythm, (ID,), _reg(
        "Daily typing-rhythm features computed from keystrokes (dwell, flight, speed, stress).",
        "derived_productivity", ["ai_model_training", "productivity_analytics"], LEGITIMATE_INTEREST, 180,
        "Feature pipeline", "BV-IT-2024 §4.1"), 0.3, False, "region"),
    Template("derived", "productivity_scores", _productivity, (ID,), _reg(
        "Daily productivity scores from activity, idle time and focus.",
        "derived_productivity", ["productivity_analytics"], LEGITIMATE_INTEREST, 180,
        "Feature pipeline", "BV-IT-2024 §4.2"), 0.3, False, "region"),
    Template("derived", "app_usage_daily", _app_usage, (Identifier("user_email", "email"),), _reg(
        "Minutes per application per day.",
        "app_usage", ["productivity_analytics"], LEGITIMATE_INTEREST, 180,
        "Feature pipeline", "BV-IT-2024 §4.2"), 0.8, False, "region"),
    Template("ml_training", "typing_corpus", _typing_corpus,
             (Identifier("payload", "employee_id", "json", "$.uid"),), _reg(
        "Training snapshot of typed text and timings, many employees mixed.",
        "training_data", ["ai_model_training"], LEGITIMATE_INTEREST, 365,
        "ML platform", "BV-KI-2025 §5"), 1.0, False, "snapshot"),
    Template("ml_training", "assistant_finetune", _assistant_finetune,
             (Identifier("payload", "email", "json", "$.meta.author.email"),), _reg(
        "Fine-tuning snapshot of assistant conversations.",
        "training_data", ["ai_model_training"], CONSENT, 365,
        "ML platform", "BV-KI-2025 §5"), 0.6, False, "snapshot"),
    Template("ml_training", "screen_ocr_dataset", _screen_ocr_dataset,
             (Identifier("payload", "employee_id", "json", "$.capture.employee"),), _reg(
        "Labelled OCR text of screen captures for a work/personal classifier.",
        "training_data", ["ai_model_training"], LEGITIMATE_INTEREST, 365,
        "ML platform", "BV-KI-2025 §5"), 0.6, False, "snapshot"),
    Template("staging", "keystrokes_backfill", _keystrokes, (ID,), None, 1.5, False, "copy"),
    Template("staging", "chat_export", _chat,
             (Identifier("sender", "email"), Identifier("recipients", "email", "list")), None, 0.4, False, "copy"),
    Template("sandbox", "engagement_features", _engagement_features, (Identifier("actor", "email"),), None, 0.2, False, "copy"),
)
