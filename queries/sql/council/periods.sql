SELECT period FROM releases ORDER BY period
