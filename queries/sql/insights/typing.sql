-- How a person types: key presses, and how long a key is held (dwell) and
-- the pause between keys (flight) at the 10th, 50th and 90th percentiles.
SELECT count(*) AS key_presses,
       quantile_cont(dwell_ms, [0.1, 0.5, 0.9]) AS dwell,
       quantile_cont(flight_ms, [0.1, 0.5, 0.9]) AS flight
FROM {{rows}}
