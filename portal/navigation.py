"""Which pages exist, and which action each needs; the router shows a
person the pages the policy allows them. The pages check again."""

from __future__ import annotations

from dataclasses import dataclass

from auth import policy
from auth.principal import Principal


@dataclass(frozen=True)
class PageSpec:
    path: str
    title: str
    icon: str
    action: policy.Action | None  # None: any signed-in person


PAGES: tuple[PageSpec, ...] = (
    PageSpec("pages/home.py", "Home", ":material/home:", None),
    PageSpec("pages/my_data.py", "My data", ":material/database:", policy.VIEW_OWN_TELEMETRY),
    PageSpec("pages/console.py", "SQL console", ":material/terminal:", policy.QUERY_OWN_TELEMETRY),
    PageSpec("pages/access_log.py", "Who accessed my data", ":material/visibility:", policy.VIEW_OWN_ACCESS_LOG),
    PageSpec("pages/deletion.py", "Deletion requests", ":material/delete:", policy.REQUEST_DELETION),
    PageSpec("pages/council.py", "Oversight", ":material/groups:", policy.AUDIT_AGGREGATES),
    PageSpec("pages/hr_queue.py", "Deletion queue", ":material/assignment:", policy.VIEW_DELETION_QUEUE),
)


def resource_for(spec: PageSpec, principal: Principal) -> policy.Resource:
    if spec.action is not None and spec.action.scope is policy.Scope.OWN:
        return policy.Resource.about(principal.employee_id)
    return policy.NO_SUBJECT


def visible_pages(principal: Principal) -> list[PageSpec]:
    return [spec for spec in PAGES
            if spec.action is None or policy.allowed(principal, spec.action, resource_for(spec, principal))]
