"""Complaints: the lifecycle rules, intake, the service and who hears of it."""
