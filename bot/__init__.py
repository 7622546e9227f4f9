"""Minhu (民呼): when residents call, the town answers."""
