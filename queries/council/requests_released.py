"""The deletion requests of one period and the exemptions, as the works
council sees them.

Requests are counted per period of receipt, by the state they were in
when the period's figures were published: a request moving on later
changes no published figure. A denial's reason is free text an officer
typed, so the council sees it only as a category of the configured
taxonomy (`council.reason_categories`: a word in the reason → its
category; "other reason" when none matches). Exemptions are shown as the
policy that grants them (`council.exemption_policy`, the levels in
`council.exempt_levels`); people exempt beyond the policy are counted
only as one figure, under the same protection as every other.
"""

from __future__ import annotations

import re
import statistics
from collections import defaultdict
from datetime import datetime

from queries.council.disclosure import TOTAL, Table, View, one, release_views
from queries.council.suppression import Candidate
from queries.discovery.directory import Employee
from queries.erasure.requests import Request, State
from settings import CouncilSettings

OTHER_REASON = "other reason"


def reason_category(reason: str | None, categories: dict[str, str]) -> str:
    """The taxonomy's label for a free-text reason: that of the first
    configured word or phrase (in the configuration's order) the reason
    contains as whole words."""
    text = " " + " ".join(re.findall(r"\w+", (reason or "").lower())) + " "
    for words, category in categories.items():
        if " " + " ".join(re.findall(r"\w+", words.lower())) + " " in text:
            return category
    return OTHER_REASON


def requests_released(requests: list[Request], period: str, settings: CouncilSettings,
                      now: datetime) -> tuple[Table, Table, float | None, int | None]:
    """Requests received in `period`: by state and denials by reason
    category (suppressed together), median days to completion and how many
    people's requests missed their deadline."""
    k = settings.min_group_size
    mine = [r for r in requests if r.received_at.strftime("%Y-%m") == period]
    categories = dict(settings.reason_categories)
    labels = sorted(set(categories.values()) | {OTHER_REASON})
    atoms: dict[tuple[str, str], set[str]] = defaultdict(set)
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for request in mine:
        key = (request.state.value, reason_category(request.decision_reason, categories)
               if request.state is State.DENIED else "")
        atoms[key].add(request.subject_id)
        counts[key] += 1
    index = {key: n for n, key in enumerate(atoms)}

    def candidate(key: tuple[str, ...], members: list[tuple[str, str]]) -> Candidate:
        people = set().union(*(atoms[m] for m in members)) if members else set()
        return Candidate(key, sum(counts[m] for m in members), frozenset(index[m] for m in members), len(people))

    by_state = View([candidate((s.value,), [a for a in atoms if a[0] == s.value]) for s in State],
                    candidate(TOTAL, list(atoms)))
    denied = [a for a in atoms if a[0] == State.DENIED.value]
    denials = View([candidate((label,), [a for a in denied if a[1] == label]) for label in labels],
                   candidate(TOTAL, denied))
    released = release_views({"by_state": by_state, "denials": denials}, k)
    durations, breached, completed = [], set(), set()
    for request in mine:
        finished = next((t.at for t in request.history if t.to_state in (State.COMPLETED.value, State.DENIED.value)),
                        None)
        if request.state is State.COMPLETED and finished:
            durations.append((finished - request.received_at).total_seconds() / 86400)
            completed.add(request.subject_id)
        if (finished or now) > request.deadline and request.state is not State.WITHDRAWN:
            breached.add(request.subject_id)
    median = round(statistics.median(durations), 1) if durations and one(1, len(completed), k) else None
    return released["by_state"], released["denials"], median, one(len(breached), len(breached), k)


def exceptions_beyond_policy(people: list[Employee], settings: CouncilSettings) -> int | None:
    """People exempt from collection whose level the policy does not exempt."""
    count = sum(p.exempt_from_collection and p.level not in settings.exempt_levels for p in people)
    return one(count, count, settings.min_group_size)
