"""Reports for the office: the register summary, 本部资产表, 分室明细账 and the asset card, on screen, in Excel and on A4."""
