"""FineWeb's PII anonymization, counted: emails and public IP addresses in the kept text replaced.

datatrove's ``PIIFormatter`` replaces them but counts nothing, so a version could not say how much it
rewrote. This subclass keeps its regexes and replacements (FineWeb's exact output) and counts, in each
task's stats, the matches it replaced: every email, and the IPs its validator accepts (public ones by
default: ``192.168.1.1`` stays, and so does ``039.0.55.001``, which is no address). The ``filtered``
manifest sums them (``stage_totals``) into ``pii_emails``, ``pii_ips`` and ``pii_documents``.
"""

from __future__ import annotations

from collections import Counter
from functools import partial

from datatrove.pipeline.formatters import PIIFormatter


class CountingPIIFormatter(PIIFormatter):
    """datatrove's PIIFormatter that counts the emails and IPs it replaces, and the documents it changed."""

    name = "📞 PII (counted)"

    def __init__(self, emails: bool = True, ips: bool = True, only_public_ips: bool = True):
        super().__init__(remove_emails=emails, remove_ips=ips, only_remove_public_ips=only_public_ips)
        self._replaced: Counter[str] = Counter()
        # A replacer calls its validator once per match and replaces the match when it says yes: count there.
        self.emails_replacer.validator = partial(self._counted, "pii_emails", None)
        self.ip_replacer.validator = partial(self._counted, "pii_ips", self.ip_replacer.validator)

    def _counted(self, stat: str, validator, match: str) -> bool:
        if validator is not None and not validator(match):
            return False
        self._replaced[stat] += 1
        return True

    def format(self, text: str) -> str:
        self._replaced.clear()
        text = super().format(text)
        for stat, replaced in self._replaced.items():
            self.stat_update(stat, value=replaced)
        if self._replaced:
            self.stat_update("pii_documents")
        return text
