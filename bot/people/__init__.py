"""People: roles and a person's rights (/mydata, /deleteme)."""
