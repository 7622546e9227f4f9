"""What every conversation shares: replies, keyboards, the grid picker, the confirm end."""
