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
    section: str
    action: policy.Action | None  # None: any signed-in person


PAGES: tuple[PageSpec, ...] = (
    PageSpec("pages/home.py", "Home", ":material/home:", "Daylight", None),
    PageSpec("pages/my_data.py", "My data", ":material/database:", "My data", policy.VIEW_OWN_TELEMETRY),
    PageSpec("pages/console.py", "SQL console", ":material/terminal:", "My data", policy.QUERY_OWN_TELEMETRY),
    PageSpec("pages/access_log.py", "Who accessed my data", ":material/visibility:", "My data",
             policy.VIEW_OWN_ACCESS_LOG),
    PageSpec("pages/deletion.py", "Deletion requests", ":material/delete:", "My data", policy.REQUEST_DELETION),
    PageSpec("pages/council.py", "Oversight", ":material/groups:", "Works council", policy.AUDIT_AGGREGATES),
    PageSpec("pages/hr_queue.py", "Deletion queue", ":material/assignment:", "HR privacy", policy.VIEW_DELETION_QUEUE),
)


def resource_for(spec: PageSpec, principal: Principal) -> policy.Resource:
    if spec.action is not None and spec.action.scope is policy.Scope.OWN:
        return policy.Resource.about(principal.employee_id)
    return policy.NO_SUBJECT


def visible_pages(principal: Principal) -> list[PageSpec]:
    return [spec for spec in PAGES
            if spec.action is None or policy.allowed(principal, spec.action, resource_for(spec, principal))]
