"""The one place that decides who may do what.

Actions are data: each names what it allows and to which subjects it may
apply. Roles map to actions in one table and add up. Anything not granted
here is denied, and every decision carries the reason a person or an
auditor can read.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from auth.principal import Principal, Role


class Scope(StrEnum):
    OWN = "own"  # only about the principal themself
    AGGREGATE = "aggregate"  # about groups, never one named person
    OTHERS = "others"  # about one other person, never oneself (four eyes)
    QUEUE = "queue"  # a work queue, not about one person


@dataclass(frozen=True)
class Action:
    name: str
    description: str
    scope: Scope
    purpose: str = ""  # why a read under this action happens, as the access ledger records it


VIEW_OWN_TELEMETRY = Action("view-own-telemetry", "See which tables hold rows about you, and those rows.", Scope.OWN,
                            "employee viewing their own data (right of access)")
QUERY_OWN_TELEMETRY = Action("query-own-telemetry", "Run SQL over your own rows, in a sandbox.", Scope.OWN,
                             "employee querying their own data in the SQL console (right of access)")
EXPORT_OWN_DATA = Action("export-own-data", "Download a copy of your data.", Scope.OWN,
                         "employee exporting a copy of their own data (right of access, portability)")
REQUEST_DELETION = Action("request-deletion", "Ask for your data to be deleted, and follow the request.", Scope.OWN)
VIEW_OWN_ACCESS_LOG = Action("view-own-access-log", "See who read your data, when and why.", Scope.OWN)
AUDIT_AGGREGATES = Action("audit-aggregates", "See aggregate figures on monitoring, above the minimum group size.",
                          Scope.AGGREGATE, "works council oversight of monitoring (aggregates only)")
VERIFY_LEDGER = Action("verify-ledger", "Check that the access ledger has not been altered.", Scope.AGGREGATE)
VIEW_DELETION_QUEUE = Action("view-deletion-queue", "See the queue of deletion requests and their deadlines.",
                             Scope.QUEUE)
PROCESS_DELETION = Action("process-deletion", "Review, decide and execute a deletion request about someone else.",
                          Scope.OTHERS, "HR privacy officer reviewing a deletion request")
PLACE_LEGAL_HOLD = Action("place-legal-hold", "Place or lift a legal hold on someone else's data.", Scope.OTHERS,
                          "legal hold: which of the employee's tables a hold would keep")
ADMINISTER_INVENTORY = Action("administer-inventory", "List which tables hold rows about an employee, for an audit.",
                              Scope.OTHERS, "administrator audit of an employee's inventory (daylight inventory)")
ADMINISTER_CONSOLE = Action("administer-console", "Run SQL over one employee's rows, in the sandbox, for an audit.",
                            Scope.OTHERS, "administrator querying an employee's data (daylight console)")
# What the erasure run records in the ledger for the rows it deleted: not a permission, nobody is granted it.
ERASE = "erase"

ACTIONS: tuple[Action, ...] = (
    VIEW_OWN_TELEMETRY, QUERY_OWN_TELEMETRY, EXPORT_OWN_DATA, REQUEST_DELETION, VIEW_OWN_ACCESS_LOG,
    AUDIT_AGGREGATES, VERIFY_LEDGER, VIEW_DELETION_QUEUE, PROCESS_DELETION, PLACE_LEGAL_HOLD, ADMINISTER_INVENTORY,
    ADMINISTER_CONSOLE,
)

ROLE_ACTIONS: dict[Role, frozenset[Action]] = {
    Role.EMPLOYEE: frozenset({VIEW_OWN_TELEMETRY, QUERY_OWN_TELEMETRY, EXPORT_OWN_DATA, REQUEST_DELETION,
                              VIEW_OWN_ACCESS_LOG}),
    Role.WORKS_COUNCIL: frozenset({AUDIT_AGGREGATES, VERIFY_LEDGER}),
    Role.HR: frozenset({VIEW_DELETION_QUEUE, PROCESS_DELETION, PLACE_LEGAL_HOLD, VERIFY_LEDGER}),
    Role.ADMINISTRATOR: frozenset({ADMINISTER_INVENTORY, ADMINISTER_CONSOLE, AUDIT_AGGREGATES, VERIFY_LEDGER}),
}


@dataclass(frozen=True)
class Resource:
    """What an action is applied to: one person's data, or none in particular."""

    subject_id: str | None = None

    @staticmethod
    def about(subject_id: str) -> Resource:
        return Resource(subject_id)


NO_SUBJECT = Resource()


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str
    role: str = ""  # the role that grants the action; the ledger records it


class AccessDenied(Exception):
    def __init__(self, decision: Decision):
        super().__init__(decision.reason)
        self.decision = decision


def _scope_decision(principal: Principal, action: Action, resource: Resource) -> Decision:
    subject = resource.subject_id
    if action.scope is Scope.OWN:
        if subject != principal.employee_id:
            return Decision(False, f"{action.name} applies only to your own data")
        return Decision(True, f"{action.name}: your own data")
    if action.scope is Scope.OTHERS:
        if subject is None:
            return Decision(False, f"{action.name} needs the person it concerns")
        if subject == principal.employee_id:
            return Decision(False, f"{action.name}: you may not decide about your own data (four-eyes rule)")
        return Decision(True, f"{action.name}: about another employee, by role")
    if subject is not None:
        return Decision(False, f"{action.name} never concerns one named person")
    return Decision(True, f"{action.name}: granted by role")


def decide(principal: Principal | None, action: Action, resource: Resource) -> Decision:
    if principal is None:
        return Decision(False, "not signed in")
    if action not in ACTIONS:
        return Decision(False, f"unknown action {getattr(action, 'name', action)!r}")
    granting = sorted(role for role in principal.roles if action in ROLE_ACTIONS.get(role, ()))
    if not granting:
        held = ", ".join(sorted(principal.roles)) or "no role"
        return Decision(False, f"{action.name} is not granted to {held}")
    decision = _scope_decision(principal, action, resource)
    if decision.allowed:
        return Decision(True, f"{decision.reason} (role {', '.join(granting)})", granting[0])
    return decision


def allowed(principal: Principal | None, action: Action, resource: Resource = NO_SUBJECT) -> bool:
    return decide(principal, action, resource).allowed


def ensure(principal: Principal | None, action: Action, resource: Resource = NO_SUBJECT) -> Decision:
    """Returns the decision when allowed; raises AccessDenied otherwise."""
    decision = decide(principal, action, resource)
    if not decision.allowed:
        raise AccessDenied(decision)
    return decision
