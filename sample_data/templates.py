"""The tables of a workplace AI-training telemetry program.

Each template says which stream fills a table, where the employee
identifiers sit (deliberately in many shapes) and what the data register
says about it, if anything. Templates with `register=None` are the tables
somebody created and never registered: the portal must find them by
discovery.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from sample_data import streams
from sample_data.draw import Draw, Rows


@dataclass(frozen=True)
class Identifier:
    """Where employee identifiers sit in a table, as the register records it."""

    column: str
    holds: str  # "employee_id", "email", "login", "badge" or "hostname"
    shape: str = "scalar"  # "scalar", "list", "json" or "struct"
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
    storage: str = "parquet"  # how the table's files are written: a `writer.STORAGES` name

    def build(self, draw: Draw, n: int) -> Rows:
        who = draw.subjects(n)
        return Rows(pa.table(self.columns(draw, who, n)), who)


LEGITIMATE_INTEREST = "Art. 6(1)(f) GDPR, legitimate interest"
EMPLOYMENT = "Art. 88 GDPR with § 26 BDSG, employment relationship"
CONSENT = "Art. 6(1)(a) GDPR, consent"
LEGAL_DUTY = "Art. 6(1)(c) GDPR, legal obligation"


def _reg(description, category, purposes, basis, retention, source, clause) -> Registration:
    return Registration(description, category, tuple(purposes), basis, retention, source, clause)


ID = Identifier("employee_id", "employee_id")

TEMPLATES: tuple[Template, ...] = (
    Template("telemetry_raw", "keystrokes", streams.keystrokes, (ID,), _reg(
        "Every key press on the work laptop with timing and, for 30% of events, the typed text.",
        "keystrokes", ["ai_model_training", "productivity_analytics"], LEGITIMATE_INTEREST, 30,
        "Endpoint agent (ActivityTrace 4.2)", "BV-IT-2024 §4.1"), 30.0, True),
    Template("telemetry_raw", "mouse_events", streams.mouse, (ID,), _reg(
        "Mouse moves, clicks and scrolls with screen coordinates.",
        "mouse", ["ai_model_training"], LEGITIMATE_INTEREST, 30,
        "Endpoint agent (ActivityTrace 4.2)", "BV-IT-2024 §4.1"), 25.0, True),
    Template("telemetry_raw", "screen_captures", streams.screen_captures, (ID,), _reg(
        "Periodic screenshots: metadata and OCR'd text of the visible screen.",
        "screen", ["ai_model_training"], LEGITIMATE_INTEREST, 14,
        "Endpoint agent (ActivityTrace 4.2)", "BV-IT-2024 §4.3"), 4.0, True),
    Template("telemetry_raw", "app_focus", streams.app_focus, (ID,), _reg(
        "Which application and window had focus, and for how long.",
        "app_usage", ["productivity_analytics", "ai_model_training"], LEGITIMATE_INTEREST, 90,
        "Endpoint agent (ActivityTrace 4.2)", "BV-IT-2024 §4.2"), 6.0, True),
    Template("telemetry_raw", "browser_history", streams.browser, (Identifier("user_email", "email"),), _reg(
        "URLs visited in the managed browser, including incognito windows.",
        "browsing", ["it_security"], LEGITIMATE_INTEREST, 60,
        "Secure web gateway", "BV-IT-2024 §5"), 4.0, True),
    Template("telemetry_raw", "client_events", streams.client_events,
             (Identifier("payload", "employee_id", "json", "$.user.id"),), _reg(
        "Agent event bus: idle, lock and VPN events as JSON.",
        "app_usage", ["productivity_analytics"], LEGITIMATE_INTEREST, 90,
        "Endpoint agent event bus", "BV-IT-2024 §4.2"), 3.0, True),
    Template("ai_assistant", "prompts", streams.prompts, (Identifier("user_email", "email"),), _reg(
        "Prompts typed into the company AI assistant.",
        "ai_assistant", ["service_quality", "ai_model_training"], CONSENT, 180,
        "Assistant gateway", "BV-KI-2025 §3"), 2.0, True),
    Template("ai_assistant", "responses", streams.responses, (Identifier("user_email", "email"),), _reg(
        "The assistant's answers, with the employee's rating.",
        "ai_assistant", ["service_quality"], CONSENT, 180,
        "Assistant gateway", "BV-KI-2025 §3"), 2.0, True, storage="iceberg"),
    Template("collab", "chat_messages", streams.chat,
             (Identifier("sender", "email"), Identifier("recipients", "email", "list")), _reg(
        "Chat messages with sender and recipients, including direct messages.",
        "chat", ["ai_model_training", "it_security"], LEGITIMATE_INTEREST, 365,
        "Chat platform export", "BV-IT-2024 §6"), 4.0, True),
    Template("collab", "meeting_transcripts", streams.transcripts,
             (Identifier("speaker_id", "employee_id"), Identifier("participants", "employee_id", "list")), _reg(
        "Automatic transcriptions of meetings, per utterance, with a sentiment score.",
        "meetings", ["ai_model_training"], CONSENT, 90,
        "Meeting recorder", "BV-KI-2025 §4"), 3.0, True),
    Template("security", "badge_events", streams.badge, (ID,), _reg(
        "Badge reader events at doors and sites.",
        "location", ["workplace_safety", "it_security"], LEGITIMATE_INTEREST, 90,
        "Access control system", "BV-Zutritt-2019 §2"), 3.0, True),
    Template("security", "dlp_alerts", streams.dlp, (Identifier("actor", "email"),), _reg(
        "Data-loss-prevention alerts raised on file transfers.",
        "security", ["it_security"], LEGITIMATE_INTEREST, 365,
        "DLP suite", "BV-IT-2024 §7"), 0.5, False, storage="iceberg"),
    Template("security", "device_logins", streams.logins, (Identifier("actor", "employee_id"),), _reg(
        "Sign-ins on work devices, with source address.",
        "security", ["it_security"], LEGITIMATE_INTEREST, 180,
        "Identity platform", "BV-IT-2024 §7"), 1.0, True, storage="delta"),
    Template("hr", "performance_ratings", streams.ratings,
             (ID, Identifier("reviewer_id", "employee_id")), _reg(
        "Half-yearly performance ratings and the reviewer's comments.",
        "performance", ["performance_management"], EMPLOYMENT, 1095,
        "HR suite", None), 0.05, False),
    Template("hr", "working_time_records", streams.retention_ledger, (ID,), _reg(
        "Working-time records kept under the working time act.",
        "working_time", ["payroll"], LEGAL_DUTY, 730,
        "Time tracking", "BV-Arbeitszeit-2021 §3"), 0.5, False, storage="hive_parquet"),
    Template("derived", "typing_rhythm_features", streams.typing_rhythm, (ID,), _reg(
        "Daily typing-rhythm features computed from keystrokes (dwell, flight, speed, stress).",
        "derived_productivity", ["ai_model_training", "productivity_analytics"], LEGITIMATE_INTEREST, 180,
        "Feature pipeline", "BV-IT-2024 §4.1"), 0.3, False, "region"),
    Template("derived", "productivity_scores", streams.productivity, (ID,), _reg(
        "Daily productivity scores from activity, idle time and focus.",
        "derived_productivity", ["productivity_analytics"], LEGITIMATE_INTEREST, 180,
        "Feature pipeline", "BV-IT-2024 §4.2"), 0.3, False, "region"),
    Template("derived", "app_usage_daily", streams.app_usage, (Identifier("user_email", "email"),), _reg(
        "Minutes per application per day.",
        "app_usage", ["productivity_analytics"], LEGITIMATE_INTEREST, 180,
        "Feature pipeline", "BV-IT-2024 §4.2"), 0.8, False, "region"),
    Template("ml_training", "typing_corpus", streams.typing_corpus,
             (Identifier("payload", "employee_id", "json", "$.uid"),), _reg(
        "Training snapshot of typed text and timings, many employees mixed.",
        "training_data", ["ai_model_training"], LEGITIMATE_INTEREST, 365,
        "ML platform", "BV-KI-2025 §5"), 1.0, False, "snapshot"),
    Template("ml_training", "assistant_finetune", streams.assistant_finetune,
             (Identifier("payload", "email", "json", "$.meta.author.email"),), _reg(
        "Fine-tuning snapshot of assistant conversations.",
        "training_data", ["ai_model_training"], CONSENT, 365,
        "ML platform", "BV-KI-2025 §5"), 0.6, False, "snapshot"),
    Template("ml_training", "screen_ocr_dataset", streams.screen_ocr_dataset,
             (Identifier("payload", "employee_id", "json", "$.capture.employee"),), _reg(
        "Labelled OCR text of screen captures for a work/personal classifier.",
        "training_data", ["ai_model_training"], LEGITIMATE_INTEREST, 365,
        "ML platform", "BV-KI-2025 §5"), 0.6, False, "snapshot"),
    Template("staging", "keystrokes_backfill", streams.keystrokes, (ID,), None, 1.5, False, "copy"),
    Template("staging", "chat_export", streams.chat,
             (Identifier("sender", "email"), Identifier("recipients", "email", "list")), None, 0.4, False, "copy"),
    Template("sandbox", "engagement_features", streams.engagement_features, (Identifier("actor", "email"),), None, 0.2, False, "copy"),
    Template("security", "vpn_sessions", streams.vpn_sessions, (Identifier("account", "login"),), _reg(
        "VPN sessions by domain account, with gateway and volume.",
        "security", ["it_security"], LEGITIMATE_INTEREST, 90,
        "VPN concentrator", "BV-IT-2024 §7"), 0.5, False, storage="orc"),
    Template("facilities", "door_access", streams.door_access, (Identifier("badge_no", "badge"),), None, 0.5, False,
             storage="hive_text"),
    Template("it_ops", "device_health", streams.device_health,
             (Identifier("device", "hostname", "struct", "hostname"),), None, 0.3, False, storage="json_lines"),
)


def _words(name: str, meaning: str) -> dict:
    return {"name": name, "meaning": meaning}


# The register's plain words for its own terms, as a company's privacy team would write them.
GLOSSARY = {
    "kinds_of_data": {
        "keystrokes": _words("Keystrokes, including what you typed",
                             "Every key you pressed on your work laptop, when, and for some of them the text typed."),
        "mouse": _words("Mouse movements and clicks", "Where the pointer moved, what you clicked and scrolled."),
        "screen": _words("Screenshots of your screen",
                         "Pictures of your screen taken every few minutes, and the text read from them."),
        "app_usage": _words("Apps and windows you used", "Which program had your attention, and for how long."),
        "browsing": _words("Websites you visited", "Addresses opened in the company browser, private windows too."),
        "ai_assistant": _words("What you asked the AI assistant", "Your prompts, its answers and your ratings."),
        "chat": _words("Your chat messages", "Messages you sent or received, direct messages included."),
        "meetings": _words("Transcripts of your meetings", "What was said in recorded meetings, line by line."),
        "location": _words("Where you badged in", "Each door and site where your badge was read."),
        "security": _words("Security events", "Sign-ins to work devices, VPN sessions and data-loss alerts."),
        "performance": _words("Performance ratings", "Your half-yearly ratings and your reviewer's comments."),
        "working_time": _words("Working-time records", "When you started and stopped work, as the law requires."),
        "derived_productivity": _words("Scores computed about you",
                                       "Productivity scores and typing-rhythm features calculated from the "
                                       "data above."),
        "training_data": _words("Copies used to train AI models",
                                "Your typing, screens and assistant chats mixed with colleagues' to train "
                                "the company's models."),
    },
    "purposes": {
        "ai_model_training": _words("training AI models", "Used to teach the company's AI models."),
        "productivity_analytics": _words("measuring productivity", "Used to report how productive people and "
                                                                   "teams are."),
        "it_security": _words("IT security", "Used to detect attacks, leaks and misuse of company systems."),
        "service_quality": _words("improving the AI assistant", "Used to check and improve the assistant's answers."),
        "workplace_safety": _words("workplace safety", "Used to know who is on site, for example in an evacuation."),
        "performance_management": _words("performance reviews", "Used in your reviews and decisions about your pay "
                                                                "and career."),
        "payroll": _words("pay and working-time law", "Used to pay you and to show the authorities that working-time "
                                                      "law is kept."),
    },
}
