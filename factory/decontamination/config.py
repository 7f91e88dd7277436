"""What decides the contamination index, and what a mix does with a contaminated document."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from factory.decontamination.ngrams import NGRAM_SIZE

ACTIONS = ("remove", "report")


class DecontaminationConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    ngram_size: int = Field(NGRAM_SIZE, ge=5, le=50, description="words per n-gram (13: GPT-3, NeMo Curator, Dolma)")
    heldout_min_fraction: float = Field(
        0.2, gt=0, le=1, description="share of a held-out document's n-grams a page must hold to count as a copy of it")
    # remove: a contaminated document never enters the mix (into its `contamination` table instead);
    # report: it stays, and the table and the clean-subset scores say what it holds
    action: Literal["remove", "report"] = "remove"

    def index_identity(self) -> dict:
        return {"ngram_size": self.ngram_size, "heldout_min_fraction": self.heldout_min_fraction}
