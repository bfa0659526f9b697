"""Safety inspection rounds (安全巡检)."""
