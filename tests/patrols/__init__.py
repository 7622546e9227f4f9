"""Tests of patrols."""
