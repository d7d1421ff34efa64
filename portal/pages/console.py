from auth import policy
from portal.planned import planned_page

planned_page(
    policy.QUERY_OWN_TELEMETRY, "SQL console",
    "Query your own telemetry with DuckDB SQL.",
    ["run SQL over tables that hold only your own rows, in an isolated sandbox",
     "browse the schema of your tables and start from example questions",
     "download results as CSV and chart them"],
)
