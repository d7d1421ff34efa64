"""The synthetic workforce: the employee directory and who is who.

Every other generated file refers to these people, so they are drawn first
and once. Activity weights are skewed (a few people produce much of the
telemetry) because per-employee costs must be judged on light, median and
heavy subjects alike.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pyarrow as pa

from sample_data import vocab

EMAIL_DOMAIN = "acme.example"


@dataclass(frozen=True)
class Workforce:
    """The directory as columns, plus the per-person activity weights."""

    directory: pa.Table
    activity: np.ndarray  # per employee; 0 for people exempt from collection

    @property
    def ids(self) -> np.ndarray:
        return np.asarray(self.directory["employee_id"].to_pylist(), dtype=object)

    @property
    def emails(self) -> np.ndarray:
        return np.asarray(self.directory["email"].to_pylist(), dtype=object)

    @property
    def collected(self) -> np.ndarray:
        """Indices of the people whose activity is captured."""
        return np.flatnonzero(self.activity > 0)

    def sampling_weights(self) -> np.ndarray:
        weights = self.activity[self.collected]
        return weights / weights.sum()

    def column(self, name: str) -> list:
        return self.directory[name].to_pylist()


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def _unique_emails(firsts: list[str], lasts: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    emails = []
    for first, last in zip(firsts, lasts):
        local = f"{_ascii(first)}.{_ascii(last)}"
        count = seen.get(local, 0)
        seen[local] = count + 1
        emails.append(f"{local}{count + 1 if count else ''}@{EMAIL_DOMAIN}")
    return emails


def _unique_logins(firsts: list[str], lasts: list[str]) -> list[str]:
    """Domain logins as IT hands them out: first initial and last name, a
    number where that is taken (`igarcia`, `igarcia2`)."""
    seen: dict[str, int] = {}
    logins = []
    for first, last in zip(firsts, lasts):
        login = f"{_ascii(first)[:1]}{_ascii(last)}".replace(" ", "").replace("-", "")
        count = seen.get(login, 0)
        seen[login] = count + 1
        logins.append(f"{login}{count + 1 if count else ''}")
    return logins


def badge_number(index: int) -> str:
    """Eight digits, unique per person, drawn from no random stream so that
    adding them changed nothing else in the sample."""
    return str(80_000_000 + (index * 7_919) % 10_000_000)


def hostnames(employee_id: str, index: int) -> list[str]:
    """The devices assigned to a person: a laptop, and for every third person a workstation too."""
    tag = hashlib.sha1(employee_id.encode()).hexdigest()
    names = [f"acme-lt-{tag[:6]}"]
    return names + [f"acme-ws-{tag[6:12]}"] if index % 3 == 0 else names


def _managers(departments: np.ndarray, levels: np.ndarray, rng: np.random.Generator) -> list[str | None]:
    """Each person reports to someone of a higher level in their department,
    and department heads report to an executive."""
    level_rank = {level: rank for rank, level in enumerate(vocab.LEVELS)}
    ranks = np.array([level_rank[level] for level in levels])
    executives = np.flatnonzero(levels == "Executive")
    managers: list[str | None] = []
    for index, (department, rank) in enumerate(zip(departments, ranks)):
        senior = np.flatnonzero((departments == department) & (ranks > rank))
        pool = senior if senior.size else executives[executives != index]
        managers.append(f"E{int(rng.choice(pool)) + 1:05d}" if pool.size else None)
    return managers


def generate_workforce(employees: int, end: date, rng: np.random.Generator) -> Workforce:
    if employees < 40:
        raise ValueError("the sample needs at least 40 employees to form groups of 10")
    firsts = [vocab.FIRST_NAMES[i] for i in rng.integers(0, len(vocab.FIRST_NAMES), employees)]
    lasts = [vocab.LAST_NAMES[i] for i in rng.integers(0, len(vocab.LAST_NAMES), employees)]
    departments = rng.choice(vocab.DEPARTMENTS, size=employees, p=vocab.DEPARTMENT_WEIGHTS)
    levels = rng.choice(vocab.LEVELS, size=employees, p=vocab.LEVEL_WEIGHTS)
    levels[:3] = "Executive"  # a company always has a few, whatever the draw
    departments[3:8] = "People & HR"
    executives = np.flatnonzero(levels == "Executive")
    exempt = np.zeros(employees, dtype=bool)
    exempt[executives[: max(2, executives.size // 2)]] = True
    activity = rng.lognormal(mean=0.0, sigma=0.9, size=employees)
    activity[exempt] = 0.0
    start_dates = [end - timedelta(days=int(days)) for days in rng.integers(60, 365 * 15, employees)]
    ids = [f"E{i + 1:05d}" for i in range(employees)]
    directory = pa.table(
        {
            "employee_id": ids,
            "name": [f"{first} {last}" for first, last in zip(firsts, lasts)],
            "email": _unique_emails(firsts, lasts),
            "department": departments.tolist(),
            "manager_id": _managers(departments, levels, rng),
            "location": rng.choice(vocab.LOCATIONS, size=employees).tolist(),
            "level": levels.tolist(),
            "start_date": start_dates,
            "exempt_from_collection": exempt.tolist(),
            "login": _unique_logins(firsts, lasts),
            "badge": [badge_number(i) for i in range(employees)],
            "hostnames": [";".join(hostnames(e, i)) for i, e in enumerate(ids)],
        }
    )
    return Workforce(directory=directory, activity=activity)


@dataclass(frozen=True)
class DemoUser:
    """A person the development identity provider can sign in as."""

    label: str
    employee_id: str | None
    email: str
    name: str
    groups: tuple[str, ...]

    def claims(self) -> dict:
        """What the development identity provider puts in the ID token: the
        address verified, as a company provider does, and the employee number
        as its own claim for deployments that match on an immutable id."""
        claims = {"sub": self.email, "email": self.email, "email_verified": True, "name": self.name,
                  "groups": list(self.groups)}
        return claims | ({"employee_id": self.employee_id} if self.employee_id else {})


def pick_demo_users(workforce: Workforce, rows_per_employee: np.ndarray) -> list[DemoUser]:
    """Chooses demo logins that show the portal's range: light, median and
    heavy employees, a works-council member, two HR privacy officers (one
    approves, the other executes), an exempt executive, and a login that
    matches nobody in the directory."""
    ids = workforce.column("employee_id")
    names = workforce.column("name")
    emails = workforce.column("email")
    departments = workforce.column("department")
    levels = workforce.column("level")
    exempt = workforce.column("exempt_from_collection")

    def user(label: str, index: int, groups: tuple[str, ...] = ("employees",)) -> DemoUser:
        return DemoUser(label, ids[index], emails[index], names[index], groups)

    collected = [i for i in range(len(ids)) if not exempt[i] and levels[i] != "Executive"]
    by_volume = sorted(collected, key=lambda i: (rows_per_employee[i], ids[i]))
    hr_staff = [i for i in by_volume if departments[i] == "People & HR"]
    hr_officer = hr_staff[len(hr_staff) // 2]
    second_officer = hr_staff[len(hr_staff) // 2 - 1]  # four eyes: who approves does not execute
    ordinary = [i for i in by_volume if i not in (hr_officer, second_officer)]
    council = ordinary[len(ordinary) // 3]
    executive = next(i for i in range(len(ids)) if exempt[i])
    return [
        user("employee, heavy data", ordinary[-1]),
        user("employee, median data", ordinary[len(ordinary) // 2]),
        user("employee, light data", ordinary[len(ordinary) // 10]),
        user("works-council member", council, ("employees", "works-council")),
        user("HR privacy officer", hr_officer, ("employees", "hr-privacy")),
        user("second HR privacy officer", second_officer, ("employees", "hr-privacy")),
        user("executive, exempt from collection", executive),
        DemoUser("contractor with no directory entry", None, "guest.contractor@partner.example",
                 "Guest Contractor", ("employees",)),
    ]
