"""The comparison report's view model: frozen values the compare templates read, all worked out."""

from __future__ import annotations

from dataclasses import dataclass

from .i18n import gettext as _
from .viewmodel import BrandView, Fact, ImageAsset, LegendEntry, SeverityBadge, one_line, photo_alt

__all__ = [
    "Chargeable",
    "ComparePhoto",
    "CompareView",
    "Crop",
    "InspectionSide",
    "OtherItem",
    "PhotoKey",
    "UnchangedRow",
]


@dataclass(frozen=True)
class InspectionSide:
    """One of the two inspections as the cover shows it."""

    #: "Before" or "After".
    label: str
    session_key: str
    date: str
    facts: tuple[Fact, ...]


@dataclass(frozen=True)
class Crop:
    """One side of a chargeable item's evidence: a close-up of the spot, or why there is none."""

    caption: str
    image: ImageAsset | None
    #: Said instead of the image ("Not captured at the first inspection").
    missing: str = ""


@dataclass(frozen=True)
class Chargeable:
    """A new or worsened damage with its evidence and its price."""

    number: int
    #: "New damage" or "Worsened".
    label: str
    klass: str
    description: str
    component: str
    photo_title: str
    before_severity: SeverityBadge | None
    after_severity: SeverityBadge
    tolerance: str
    repair_method: str
    #: Formatted amount, or "" without a rate card.
    price: str
    price_note: str
    #: One sentence: how this damage relates to the first inspection.
    explanation: str
    review: bool
    review_note: str
    before: Crop
    after: Crop

    def crop_alt(self, crop: Crop) -> str:
        """A crop's text alternative: which inspection, and the damage whose spot it shows."""
        severity = self.before_severity if crop is self.before else self.after_severity
        seen = f" ({severity.label})" if severity else ""
        spot = _("{caption}: the spot of damage {number}, {description}, {component}").format(
            caption=crop.caption, number=self.number, description=self.description, component=self.component
        )
        return one_line(spot + seen)


@dataclass(frozen=True)
class UnchangedRow:
    """A damage seen at both inspections, not worse."""

    after_number: int
    before_number: int
    description: str
    component: str
    photo_title: str
    severity: SeverityBadge
    review: bool


@dataclass(frozen=True)
class OtherItem:
    """A repaired or not comparable damage, with a sentence saying why it is not charged."""

    number: int
    #: Which inspection the number is of: "Before" or "After".
    side: str
    description: str
    component: str
    photo_title: str
    sentence: str


@dataclass(frozen=True)
class PhotoKey:
    """One marker of a second-inspection photo: its number, its class and what it is."""

    number: int
    #: A compare class key (new, worsened, unchanged, not_comparable): the marker's colour.
    klass: str
    #: "New", "Worsened (no. 3 at the first inspection)", …
    label: str
    description: str
    component: str
    #: False when the inspection gave no spot: listed, not drawn.
    placed: bool = True


@dataclass(frozen=True)
class ComparePhoto:
    """A photo of the second inspection, its damages marked in the colour of their class."""

    title: str
    image: ImageAsset | None
    #: Every damage of the photo; one without a position has no marker and says so.
    keys: tuple[PhotoKey, ...]

    @property
    def alt_text(self) -> str:
        """The photo's text alternative: its view and each marked damage with what changed."""
        marked = [f"{key.number} {key.description}, {key.component} ({key.label})" for key in self.keys if key.placed]
        return photo_alt(_("{title} second inspection").format(title=self.title), marked)


@dataclass(frozen=True)
class CompareView:
    """Everything the comparison templates read."""

    brand: BrandView
    paper: str
    headline: str
    vin: str
    before: InspectionSide
    after: InspectionSide
    #: "1,234 km driven between the inspections", or "".
    odometer_note: str
    #: (label, number) for new, worsened, unchanged, repaired, not comparable.
    counts: tuple[Fact, ...]
    #: The chargeable total formatted, or "" without a rate card.
    chargeable_total: str
    tolerance: str
    chargeable: tuple[Chargeable, ...]
    unchanged: tuple[UnchangedRow, ...]
    repaired: tuple[OtherItem, ...]
    not_comparable: tuple[OtherItem, ...]
    notices: tuple[str, ...]
    legend: tuple[LegendEntry, ...]
    generated_at: str
    #: The second inspection's photos with damages, markers coloured by class.
    photos: tuple[ComparePhoto, ...] = ()
    #: The classes' marker colours, keys as in PhotoKey.klass.
    class_legend: tuple[LegendEntry, ...] = ()
    document_date: str = ""
    cjk_font: bool = False
    #: The customer's language (i18n.LANGUAGES).
    lang: str = "en"

    @property
    def page_size(self) -> str:
        """The paper as CSS names it."""
        return "letter" if self.paper == "letter" else "A4"

    @property
    def images(self) -> tuple[ImageAsset, ...]:
        """Every image the document embeds."""
        found: list[ImageAsset] = []
        for item in self.chargeable:
            found += [crop.image for crop in (item.before, item.after) if crop.image]
        found += [photo.image for photo in self.photos if photo.image]
        return tuple(found)
