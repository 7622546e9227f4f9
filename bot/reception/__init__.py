"""Reception days (接待日): sessions, slots and bookings."""
