"""Assignments (交办): rules, the service and who hears of them."""
