"""Home visits (网格走亲): the register of households that need visits, visits, reminders."""
