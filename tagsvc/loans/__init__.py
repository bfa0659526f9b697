"""Handing out (领用) and loans (借用): who has which item, until when, and how it came back."""
