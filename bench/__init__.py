"""`make bench`: Daylight's benchmarks at warehouse scale. Every case is
timed against a baseline measured in the same run, because these machines
are shared and noisy: ratios travel, absolute times do not."""
