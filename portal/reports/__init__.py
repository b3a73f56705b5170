"""Files the portal hands out: CSV/XLSX exports, PDF documents and reports."""
