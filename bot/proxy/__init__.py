"""Filing for someone (代办): staff file a report for a resident, who may link it later."""
