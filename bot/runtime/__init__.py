"""python-telegram-bot plumbing: services, outbox delivery, jobs, errors, menus."""
