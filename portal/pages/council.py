from auth import policy
from portal.planned import planned_page

planned_page(
    policy.AUDIT_AGGREGATES, "Works council oversight",
    "How monitoring data is collected and used — in aggregate only, never about fewer than the minimum group size.",
    ["see what is collected, why, under which legal basis and for how many employees",
     "see who reads the data for which purposes, and where purposes drift from the register",
     "review exposure windows, deletion figures and deadline breaches, and collection exemptions",
     "verify the access ledger independently and download a report for the council meeting"],
)
