"""Minhu's storage: SQLite through aiosqlite, numbered migrations, data access objects."""

from storage.db import Database, StorageError

__all__ = ["Database", "StorageError"]
