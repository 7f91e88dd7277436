"""Benchmark decontamination as a Dagster resource: the index's n-gram settings and what a mix does with a
contaminated document. The constraints live in the factory's pydantic model; this resource only carries them."""

from typing import ClassVar

from pydantic import Field

from factory.decontamination.config import DecontaminationConfig
from resources.checked import CheckedResource

_DEFAULTS = DecontaminationConfig()


class DecontaminationResource(CheckedResource):
    key: ClassVar[str] = "decontamination"

    ngram_size: int = Field(default=_DEFAULTS.ngram_size, description="words per n-gram of the contamination index (13)")
    heldout_min_fraction: float = Field(default=_DEFAULTS.heldout_min_fraction,
                                        description="share of a held-out document's n-grams a page must hold to be a copy")
    action: str = Field(default=_DEFAULTS.action, description="remove: contaminated documents never enter a mix; "
                                                              "report: they stay, counted in the mix's contamination table")

    def check_config(self) -> None:
        self.get_config()

    def get_config(self) -> DecontaminationConfig:
        return DecontaminationConfig(ngram_size=self.ngram_size, heldout_min_fraction=self.heldout_min_fraction,
                                     action=self.action)
