"""The head of office's KPI panel and its rollups."""
