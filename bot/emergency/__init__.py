"""Emergencies first: words that signal danger now get the emergency numbers before anything."""
