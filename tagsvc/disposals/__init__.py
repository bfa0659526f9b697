"""Disposal (报废): proposed with a reason, approved by book value, and out of the active register."""
