"""Printed labels. Sheet definitions are data files in the top-level labels/ folder (read by sheets.py)."""
# The blueprint lives in tagsvc.labels.views and is not imported here: tags.services uses the QR and PDF
# modules of this package, and the views use the asset register, which uses tags.
