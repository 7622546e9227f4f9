"""Tests of assignments."""
