"""What the PDF exports (the claim pack, the scorecard) share: a canvas that numbers its pages "Page n of m"."""

from __future__ import annotations

from reportlab.pdfgen.canvas import Canvas


class NumberedCanvas(Canvas):
    """Holds each page until the end, so every footer can say "Page n of m". Use it as
    ``doc.build(story, canvasmaker=partial(NumberedCanvas, footer=..., margin=..., colour=..., size=...))``."""

    def __init__(self, *args, footer: str = "", margin: float = 36, colour=None, size: float = 8,
                 font: str = "Helvetica", **kwargs):
        super().__init__(*args, **kwargs)
        self._footer, self._margin, self._colour, self._size, self._font = footer, margin, colour, size, font
        self._pages: list[dict] = []

    def showPage(self):  # noqa: N802 - reportlab's name
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        total = len(self._pages)
        width = self._pagesize[0]
        for number, page in enumerate(self._pages, start=1):
            self.__dict__.update(page)
            self.setFont(self._font, self._size)
            if self._colour is not None:
                self.setFillColor(self._colour)
            self.drawString(self._margin, self._margin / 2, self._footer)
            self.drawRightString(width - self._margin, self._margin / 2, f"Page {number} of {total}")
            super().showPage()
        super().save()
