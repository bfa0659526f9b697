"""Damage reports from the label (报修) and the repair work that follows (维修 → 修复)."""
