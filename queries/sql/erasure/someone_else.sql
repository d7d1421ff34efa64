{{column}} IS NOT NULL AND (NOT ({{match}})) IS TRUE
