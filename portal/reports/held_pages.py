"""A reportlab canvas that holds every page until the document ends, so that each page can say which of how many it
is ("Halaman 2 dari 7"): the dossier and the priority list sign every page so."""
from __future__ import annotations

from reportlab.pdfgen import canvas as pdf_canvas


class HeldPagesCanvas(pdf_canvas.Canvas):
    """Pages are drawn on `save`, once their number is known; a subclass draws what each gets in `finish_page`."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._held: list[dict] = []

    def showPage(self):
        self._held.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        total = len(self._held)
        for state in self._held:
            self.__dict__.update(state)
            self.finish_page(total)
            super().showPage()
        super().save()

    def finish_page(self, total: int) -> None:
        """Draw what this page gets once the document's page count (`total`) is known."""
