CASE WHEN ({{match}}) IS TRUE THEN NULL ELSE {{column}} END
