"""China's working days: deadlines, the imported holiday notices, their CLI."""
