from auth import policy
from portal.planned import planned_page

planned_page(
    policy.VIEW_OWN_TELEMETRY, "My data",
    "Everything the warehouse holds about you, table by table.",
    ["see every table that holds rows about you, including tables missing from the data register",
     "read each table's purpose, legal basis, retention period and source system",
     "preview your rows, with colleagues' identifiers replaced by pseudonyms",
     "explore charts of what was captured and when",
     "download a copy of your data (Parquet, CSV and a readable summary)"],
)
