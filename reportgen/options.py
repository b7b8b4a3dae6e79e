"""RenderOptions: how a report is rendered, one checked and immutable set of choices."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from .brand import Brand, check_paper, load_brand
from .cores import usable_cores
from .estimate import RateCard, load_rate_card
from .i18n import check_language

__all__ = ["RenderOptions"]


@dataclass(frozen=True, kw_only=True)
class RenderOptions:
    """How a report is rendered; taken by render_bundle, generate_report, agenerate_report and run_batch.

    It holds loaded objects, not file names: a `Brand` and a `RateCard` already read and checked.
    So a mistake in either is found once, where the options are made, not in each report of a
    batch; nothing is read from disk again per report; and the same options can be shared by
    threads and sent to worker processes as they are. `RenderOptions.load()` makes them from file
    paths (what the command line does); the constructor takes objects built in code.

    - brand: name, logo, colours, footer and paper of the report (default: neutral).
    - templates: a folder of templates in front of the built-in theme (checked by `load()`).
    - paper: "a4" or "letter"; None takes the brand's.
    - strict: an unusable photo raises ImageError instead of becoming a placeholder.
    - rates: a rate card, for a repair estimate.
    - pdfa: an archival PDF/A-3b carrying PAVE's bodies and the summary.
    - pdfua: a tagged, accessible PDF/UA-1 (with pdfa: both at once); None takes the brand's
      choice, which is on unless its file says `pdfua = false`. Always a bool once made.
    - lang: the customer's language (en, fr, es, de, ja); None takes the brand's (English by default).
    - generated_at: the generation time printed in the report; None takes SOURCE_DATE_EPOCH, else
      now. With either set, the same bundle and options give a byte-identical PDF.
    - jobs: processes laying out one PDF (reportgen/parallel.py); None takes the cores this
      process may use, 1 lays it out in this process. The PDF is the same document either way.
    """

    brand: Brand = field(default_factory=Brand)
    templates: Path | None = None
    paper: str | None = None
    strict: bool = False
    rates: RateCard | None = None
    pdfa: bool = False
    generated_at: datetime | None = None
    pdfua: bool | None = None
    lang: str | None = None
    jobs: int | None = None

    def __post_init__(self) -> None:
        # A file name where an object belongs would otherwise fail deep inside rendering.
        if not isinstance(self.brand, Brand):
            raise TypeError("RenderOptions.brand must be a Brand; RenderOptions.load(brand=path) reads a brand file")
        if self.rates is not None and not isinstance(self.rates, RateCard):
            raise TypeError("RenderOptions.rates must be a RateCard; RenderOptions.load(rates=path) reads a rate card")
        if self.templates is not None and not isinstance(self.templates, Path):
            object.__setattr__(self, "templates", Path(self.templates))
        if self.paper is not None:
            object.__setattr__(self, "paper", check_paper(self.paper))
        if self.pdfua is None:
            object.__setattr__(self, "pdfua", self.brand.pdfua)
        object.__setattr__(self, "lang", check_language(self.lang) if self.lang is not None else self.brand.lang)
        if self.jobs is not None and (isinstance(self.jobs, bool) or not isinstance(self.jobs, int) or self.jobs < 1):
            raise ValueError(f"RenderOptions.jobs must be a whole number of processes, 1 or more, not {self.jobs!r}")

    @property
    def layout_jobs(self) -> int:
        """The processes that lay out one PDF: `jobs`, else every core this process may use.

        On one core, or with jobs=1, the PDF is laid out in this process (reportgen/parallel.py).
        """
        return self.jobs if self.jobs is not None else usable_cores()

    @classmethod
    def load(
        cls,
        *,
        brand: Brand | str | Path | None = None,
        templates: str | Path | None = None,
        paper: str | None = None,
        strict: bool = False,
        rates: RateCard | str | Path | None = None,
        pdfa: bool = False,
        generated_at: datetime | None = None,
        pdfua: bool | None = None,
        lang: str | None = None,
        jobs: int | None = None,
    ) -> RenderOptions:
        """Options from file paths (or objects): reads and checks the brand file, rate card and templates folder.

        Raises ConfigError, naming the file, for the first that cannot be used.
        """
        from .render import Theme  # Jinja loads only when options are made from files

        return cls(
            brand=brand if isinstance(brand, Brand) else load_brand(brand) if brand else Brand(),
            templates=Theme(Path(templates)).user_dir if templates else None,
            paper=paper or None,
            strict=strict,
            rates=rates if isinstance(rates, RateCard) or rates is None else load_rate_card(rates),
            pdfa=pdfa,
            generated_at=generated_at,
            pdfua=pdfua,
            lang=lang,
            jobs=jobs,
        )
