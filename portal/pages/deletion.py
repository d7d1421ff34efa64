from auth import policy
from portal.planned import planned_page

planned_page(
    policy.REQUEST_DELETION, "Deletion requests",
    "Ask for your telemetry to be deleted and follow the request to the end.",
    ["request deletion of all your data, or of chosen categories or tables",
     "follow each request's status and legal deadline, and withdraw it before it runs",
     "download a signed receipt saying what was deleted, what was kept and why"],
)
