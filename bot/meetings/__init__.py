"""Deliberation meetings (议事会): rules, the service, notices, results, .ics."""
