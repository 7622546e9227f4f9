"""The escalation ladder (催办 → daily 催办 → 通报) and the daily digest for dispatchers
and admins."""
