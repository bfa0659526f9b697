"""One place for what waits for the signed-in person: transfers to accept or approve, arrivals to confirm, disposals to approve, overdue loans."""
