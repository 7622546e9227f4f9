"""Channel-neutral basics: the clock, configuration, rendering, logging, periods."""
