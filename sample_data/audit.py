"""The warehouse's own records of who could read what, and who did.

Modelled on Apache Ranger: a grants history (including the window in which
raw telemetry was readable by every employee, as in the incident) and an
audit log of reads by ML jobs, HR analysts, managers, security and data
engineers. Some reads carry no justification, and some carry a purpose the
register never allowed for that table: the portal has to show both.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import numpy as np

from sample_data.people import Workforce
from sample_data.plan import PlannedTable

INCIDENT_REASON = "Default ACL on the new lake bucket granted SELECT to all staff (INC-2026-0412)"
INCIDENT_DATABASES = ("telemetry_raw", "collab", "ai_assistant", "ml_training")
CLIENTS = ("spark-sql", "trino", "jupyter", "hive-cli", "superset")


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime

    def moment(self, rng: np.random.Generator) -> datetime:
        return self.start + (self.end - self.start) * float(rng.random())


def access_groups(workforce: Workforce, rng: np.random.Generator) -> dict[str, list[str]]:
    ids = workforce.column("employee_id")
    departments = workforce.column("department")
    managers = {m for m in workforce.column("manager_id") if m}
    engineers = [i for i, d in zip(ids, departments) if d == "Engineering"]
    return {
        "all-employees": list(ids),
        "ml-platform": sorted(rng.choice(engineers, size=max(3, len(engineers) // 25), replace=False).tolist()),
        "hr-analytics": [i for i, d in zip(ids, departments) if d == "People & HR"],
        "security-ops": sorted(rng.choice(engineers, size=max(2, len(engineers) // 40), replace=False).tolist()),
        "people-managers": sorted(managers),
    }


def incident_window(start: date, days: int) -> Window:
    opened = datetime.combine(start + timedelta(days=int(days * 0.3)), time(9, 12))
    closed = datetime.combine(start + timedelta(days=int(days * 0.75)), time(16, 40))
    return Window(opened, closed)


def grants_history(start: date, days: int) -> list[dict]:
    since = datetime.combine(start - timedelta(days=400), time(8, 0))
    standing = [
        ("ml_training.*", "group", "ml-platform", "Model training"),
        ("ml_training.*", "service", "svc-ml-train", "Scheduled training jobs"),
        ("telemetry_raw.*", "group", "ml-platform", "Pipeline operations"),
        ("telemetry_raw.*", "service", "svc-feature-pipeline", "Feature computation"),
        ("collab.*", "service", "svc-ml-train", "Model training"),
        ("ai_assistant.*", "group", "ml-platform", "Assistant quality"),
        ("derived.*", "group", "people-managers", "Team productivity dashboards"),
        ("hr.*", "group", "hr-analytics", "Performance management"),
        ("security.*", "group", "security-ops", "Security monitoring"),
        ("staging.*", "group", "ml-platform", "Backfills"),
        ("sandbox.*", "group", "ml-platform", "Exploration"),
    ]
    rows = [
        {"grant_id": f"G{n:04d}", "resource": resource, "grantee_type": kind, "grantee": grantee,
         "privilege": "SELECT", "granted_at": since.isoformat(), "revoked_at": None,
         "granted_by": "lake-admin", "reason": reason}
        for n, (resource, kind, grantee, reason) in enumerate(standing, start=1)
    ]
    window = incident_window(start, days)
    for database in INCIDENT_DATABASES:
        rows.append({"grant_id": f"G{len(rows) + 1:04d}", "resource": f"{database}.*", "grantee_type": "group",
                     "grantee": "all-employees", "privilege": "SELECT", "granted_at": window.start.isoformat(),
                     "revoked_at": window.end.isoformat(), "granted_by": "terraform-lake-bootstrap",
                     "reason": INCIDENT_REASON})
    return rows


class AuditLog:
    """Draws audit events; each actor type reads the way it does in a real lake."""

    def __init__(self, rng: np.random.Generator, workforce: Workforce, tables: list[PlannedTable],
                 groups: dict[str, list[str]], start: date, days: int):
        self.rng = rng
        self.ids = workforce.column("employee_id")
        self.emails = workforce.column("email")
        self.managers = workforce.column("manager_id")
        self.tables = tables
        self.groups = groups
        self.window = Window(datetime.combine(start, time()), datetime.combine(start + timedelta(days=days), time()))
        self.incident = incident_window(start, days)
        self._by_db: dict[str, list[PlannedTable]] = {}
        for table in tables:
            self._by_db.setdefault(table.database, []).append(table)
        self._reports: dict[str, list[int]] = {}
        for index, manager in enumerate(self.managers):
            if manager:
                self._reports.setdefault(manager, []).append(index)

    def _table(self, database: str, prefix: str = "") -> PlannedTable:
        pool = [t for t in self._by_db[database] if t.name.startswith(prefix)] or self._by_db[database]
        return pool[int(self.rng.integers(len(pool)))]

    def _event(self, user: str, user_type: str, table: PlannedTable, when: datetime, purpose: str | None,
               justification: str | None, subjects: list[int] | None) -> dict:
        identifier = table.template.identifiers[0]
        row_filter = None
        sql = f"SELECT * FROM {table.qualified_name}"
        rows = table.rows
        if subjects is not None and identifier.shape == "scalar":
            names = self.emails if identifier.holds == "email" else self.ids
            values = sorted({names[i] for i in subjects})
            row_filter = {"column": identifier.column, "values": values}
            sql += f" WHERE {identifier.column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"
            rows = max(1, table.rows * len(values) // max(1, len(self.ids)))
        return {
            "event_time": when.isoformat(timespec="seconds"),
            "request_user": user,
            "user_type": user_type,
            "resource": table.qualified_name,
            "access_type": "select",
            "result": "allowed",
            "client": CLIENTS[int(self.rng.integers(len(CLIENTS)))],
            "client_ip": f"10.20.{int(self.rng.integers(256))}.{int(self.rng.integers(256))}",
            "request_data": sql,
            "row_filter": row_filter,
            "rows_returned": int(rows),
            "purpose": purpose,
            "justification": justification,
        }

    def _member(self, group: str) -> str:
        members = self.groups[group]
        return members[int(self.rng.integers(len(members)))]

    def _someone(self) -> int:
        return int(self.rng.integers(len(self.ids)))

    def _maybe(self, text: str, share_missing: float) -> str | None:
        return None if self.rng.random() < share_missing else text

    def ml_job(self, when: datetime) -> dict:
        database = "ml_training" if self.rng.random() < 0.6 else "telemetry_raw"
        run = f"run-{int(self.rng.integers(10**6)):06d}"
        return self._event("svc-ml-train", "service", self._table(database), when, "ai_model_training",
                           f"Scheduled training {run}", None)

    def feature_pipeline(self, when: datetime) -> dict:
        return self._event("svc-feature-pipeline", "service", self._table("telemetry_raw"), when,
                           "productivity_analytics", "Nightly feature build", None)

    def hr_analyst(self, when: datetime) -> dict:
        drift = self.rng.random() < 0.15
        table = self._table("telemetry_raw", "keystrokes") if drift else self._table("hr")
        subjects = [self._someone() for _ in range(int(self.rng.integers(1, 4)))]
        return self._event(self._member("hr-analytics"), "human", table, when, "performance_management",
                           self._maybe(f"Review cycle 2026-H1, case HR-{int(self.rng.integers(9999)):04d}", 0.2),
                           subjects)

    def manager(self, when: datetime) -> dict:
        manager = self._member("people-managers")
        reports = self._reports.get(manager) or [self._someone()]
        return self._event(manager, "human", self._table("derived", "productivity_scores"), when,
                           "productivity_analytics", self._maybe("Team productivity check", 0.4), reports)

    def security(self, when: datetime) -> dict:
        table = self._table("security") if self.rng.random() < 0.7 else self._table("telemetry_raw", "browser_history")
        return self._event(self._member("security-ops"), "human", table, when, "it_security",
                           f"Investigation SEC-{int(self.rng.integers(9999)):04d}", [self._someone()])

    def data_engineer(self, when: datetime) -> dict:
        database = ("telemetry_raw", "staging", "sandbox", "collab")[int(self.rng.integers(4))]
        return self._event(self._member("ml-platform"), "human", self._table(database), when,
                           self._maybe("pipeline_maintenance", 0.3), self._maybe("Backfill check", 0.6), None)

    def curious_colleague(self, when: datetime) -> dict:
        """During the incident, people with no business reading it did."""
        database = INCIDENT_DATABASES[int(self.rng.integers(len(INCIDENT_DATABASES)))]
        target = [self._someone()] if self.rng.random() < 0.5 else None
        return self._event(self.ids[self._someone()], "human", self._table(database), when, None, None, target)

    def events(self, count: int) -> list[dict]:
        kinds = (self.ml_job, self.feature_pipeline, self.hr_analyst, self.manager, self.security, self.data_engineer)
        shares = np.array([0.22, 0.18, 0.15, 0.2, 0.1, 0.15])
        events = [kinds[k](self.window.moment(self.rng)) for k in self.rng.choice(len(kinds), size=count, p=shares)]
        events += [self.curious_colleague(self.incident.moment(self.rng)) for _ in range(max(20, count // 10))]
        events.sort(key=lambda e: e["event_time"])
        for number, event in enumerate(events, start=1):
            event["event_id"] = f"ranger-{number:08d}"
        return events


def write_jsonl(rows: list[dict], path) -> None:
    with open(path, "w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, sort_keys=True) + "\n")
