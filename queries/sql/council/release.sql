SELECT body FROM releases WHERE period = $period
