"""The CPNI program on one page: every register the carrier keeps beside its records, what rule it
serves, and how many entries it holds for the year, for the people who may open it."""

from dataclasses import dataclass

from django.apps import apps
from django.urls import reverse


@dataclass(frozen=True)
class Register:
    title: str
    citation: str
    holds: str  # what it holds, in a sentence
    url_name: str
    url_args: tuple
    permissions: tuple  # any of them opens it; the first (the register's view permission) shows the counts
    model: str  # "app_label.Model", whose entries are counted
    dated_by: str  # the field dating an entry in a year

    @property
    def counts_for(self):
        return self.permissions[0]

    def url(self):
        return reverse(self.url_name, args=self.url_args)

    def year_count(self, year):
        dated = {f"{self.dated_by}__year": year}
        return apps.get_model(self.model).objects.filter(**dated).count()


REGISTERS = (
    Register("Breaches of CPNI", "47 CFR 64.2011", "Suspected and confirmed breaches, their deadlines and notifications.",
             "breach-list", (), ("compliance.view_breachincident",), "compliance.BreachIncident", "discovered_at"),
    Register("Opt-out failures", "47 CFR 64.2009(f)", "Opt-out mechanisms that did not work, and the letter to the FCC.",
             "optout-list", (), ("compliance.view_optoutfailure",), "compliance.OptOutFailure", "detected_at"),
    Register("Marketing campaigns", "47 CFR 64.2009(c), (d)", "Outbound campaigns, their use of CPNI and their review.",
             "campaign-list", (), ("compliance.view_campaign", "compliance.add_campaign"), "compliance.Campaign",
             "starts_on"),
    Register("Third-party releases", "47 CFR 64.2009(c)", "CPNI released to or accessed by vendors and other third parties.",
             "disclosure-list", (), ("compliance.view_disclosure",), "compliance.Disclosure", "disclosed_on"),
    Register("Approvals and notices", "47 CFR 64.2007, 64.2008, 64.2009(a)",
             "Notice versions, their mailings and evidence of the approval-status system.",
             "approval-notice-list", (), ("compliance.view_approvalnotice",), "compliance.NoticeMailing", "sent_on"),
    Register("Training and acknowledgements", "47 CFR 64.2009(b)",
             "Courses, who must take them, signed acknowledgements of the procedures, briefings and meetings.",
             "training-list", (), ("compliance.view_trainingcourse",), "compliance.TrainingCompletion", "completed_at"),
    Register("Disciplinary actions", "47 CFR 64.2009(b)", "Discipline for breaches of the CPNI procedures.",
             "discipline-list", (), ("compliance.view_disciplinaryaction",), "compliance.DisciplinaryAction",
             "decided_on"),
    Register("Customer complaints", "47 CFR 64.2009(e)", "Complaints about the unauthorized release of CPNI.",
             "register-list", ("complaints",), ("compliance.view_customercomplaint",), "compliance.CustomerComplaint",
             "received_on"),
    Register("Actions against data brokers", "47 CFR 64.2009(e)", "Proceedings and petitions against data brokers.",
             "register-list", ("data-broker-actions",), ("compliance.view_databrokeraction",),
             "compliance.DataBrokerAction", "taken_on"),
    Register("Pretexting", "47 CFR 64.2009(e)", "Pretexters' methods observed and the steps taken against them.",
             "register-list", ("pretexting",), ("compliance.view_pretextingobservation",),
             "compliance.PretextingObservation", "observed_on"),
)

# Whoever holds one of these opens the program page (the main navigation's "CPNI program").
PROGRAM_PERMISSIONS = tuple(sorted({permission for register in REGISTERS for permission in register.permissions}))


def may_open_program(user):
    return any(user.has_perm(permission) for permission in PROGRAM_PERMISSIONS)


@dataclass(frozen=True)
class RegisterRow:
    register: Register
    url: str
    counts: tuple | None  # entries dated in each of the years asked; None: the person sees only their own


def program_for(user, years):
    """The registers `user` may open, each with its count of entries dated in each of `years`."""
    return [
        RegisterRow(register, register.url(),
                    tuple(register.year_count(year) for year in years) if user.has_perm(register.counts_for) else None)
        for register in REGISTERS if any(user.has_perm(permission) for permission in register.permissions)
    ]
