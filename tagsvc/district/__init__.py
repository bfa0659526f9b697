"""The education bureau's view of its district: every school's figures side by side."""
