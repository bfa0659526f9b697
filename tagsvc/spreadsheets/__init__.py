"""Spreadsheets: the school's existing register brought in (import, with its dry run and error file), and the
register given back as .xlsx with the same headers (export)."""
