INSERT INTO hold_tables (hold_id, table_name) VALUES ($hold_id, $table_name)
