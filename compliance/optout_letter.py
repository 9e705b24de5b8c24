"""The letter to the FCC about an opt-out failure (47 CFR 64.2009(f)(1)) as PDF: the carrier's
name, a description of the opt-out mechanism(s) used, the problem(s) experienced, the remedy
proposed and when it will be or was implemented, whether the relevant state commission(s) have
been notified and whether they have taken any action, the copy of the notice provided to
customers (enclosed, named with its SHA-256) and contact information. CONFIDENTIAL on every page.
A letter lacking any of these is not made: LetterIncomplete says what it lacks."""

from django.template.loader import render_to_string
from django.utils import timezone

from compliance.certification_pdf import long_date
from compliance.company import company_name
from compliance.optout import as_sent, letter_missing
from records.certificates import _render_pdf

TEMPLATE = "compliance/optout_letter_pdf.html"


class LetterIncomplete(Exception):
    def __init__(self, missing):
        self.missing = missing
        super().__init__(f"The letter lacks {'; '.join(missing)}.")


def letter_context(failure):
    missing = letter_missing(failure)
    if missing:
        raise LetterIncomplete(missing)
    sent_on = timezone.localdate(failure.letter_sent_at) if failure.letter_sent_at else timezone.localdate()
    remedy_on = failure.remedy_on
    return {
        "failure": failure,
        "title": f"Notice of opt-out failure {failure.reference} under 47 C.F.R. § 64.2009(f)",
        "company": company_name(),
        "letter_date": long_date(sent_on),
        "detected_on": long_date(timezone.localdate(failure.detected_at)),
        "remedy_when": (f"was implemented on {long_date(remedy_on)}" if remedy_on <= sent_on
                        else f"will be implemented by {long_date(remedy_on)}"),
        "state_sentence": (
            f"The company notified the following state commission(s): {failure.state_commissions}. "
            f"Action taken by the state commission(s): {failure.state_action}"
            if failure.state_notified else "The company has not notified any state commission of this problem."
        ),
        "contact_lines": [line for line in failure.contact.splitlines() if line.strip()],
    }


def letter_html(failure):
    return render_to_string(TEMPLATE, letter_context(failure))


def optout_letter_pdf(failure):
    """The letter as PDF bytes, once sent as it was sent; raises LetterIncomplete when an element the
    rule asks for is missing."""
    return _render_pdf(letter_html(as_sent(failure)))
