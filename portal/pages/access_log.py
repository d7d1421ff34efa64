from auth import policy
from portal.planned import planned_page

planned_page(
    policy.VIEW_OWN_ACCESS_LOG, "Who accessed my data",
    "Who read your data, when and why — through Daylight and in the warehouse itself.",
    ["see every read of your data with its time, reader or role, tables, row count and purpose",
     "spot reads without a justification, or for a purpose the register does not allow",
     "see the windows in which your data was readable by people with no business reading it"],
)
