"""Dispute mediation (矛盾调解): voluntary, confidential, counted (issue 18)."""
