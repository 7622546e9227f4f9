"""Representatives' suggestions (意见建议) and rectification items (督促整改)."""
