"""Tests of complaints."""
