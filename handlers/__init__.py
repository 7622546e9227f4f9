"""Minhu's handlers: one module per conversation or feature."""
