"""Printed labels. Sheet definitions are data files in the top-level labels/ folder (read by sheets.py)."""
