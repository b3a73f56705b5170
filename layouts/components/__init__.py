"""Parts several pages draw the same way: pager, grid, company picker, formats, empty states."""
