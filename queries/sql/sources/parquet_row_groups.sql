-- Each row group of some Parquet files, in order: its rows and its bytes
-- as stored (what a scan skipping it does not read).
SELECT file_name AS file, row_group_id AS row_group, any_value(row_group_num_rows) AS row_count,
       sum(total_compressed_size) AS stored_bytes
FROM parquet_metadata($files)
GROUP BY ALL
ORDER BY file, row_group
