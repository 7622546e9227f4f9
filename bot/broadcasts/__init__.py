"""Broadcasts: limits, time estimates and progress messages."""
