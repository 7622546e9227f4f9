"""Volunteer points (志愿积分, the “朝夕”共 scheme)."""
