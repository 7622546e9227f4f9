"""Minhu's storage: SQLite through aiosqlite (or PostgreSQL through asyncpg, for a
postgresql:// address), numbered migrations, data access objects."""

from storage.db import Database, StorageError

__all__ = ["Database", "StorageError"]
