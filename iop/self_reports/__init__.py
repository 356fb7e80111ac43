"""The Self-reports tab of a client record: the personal link, check-ins and their trends."""
