"""/nearby: what is already reported around a resident (no Telegram here)."""
