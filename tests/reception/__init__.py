"""Tests of reception."""
