from auth import policy
from portal.planned import planned_page

planned_page(
    policy.VIEW_DELETION_QUEUE, "Deletion queue",
    "Process employees' deletion requests against their legal deadlines.",
    ["work through the queue of requests with deadlines and warnings",
     "preview what each erasure deletes and what it keeps, and why (legal holds, retention duties)",
     "approve, approve in part or deny with a reason; place and lift legal holds",
     "execute, verify and issue receipts"],
)
