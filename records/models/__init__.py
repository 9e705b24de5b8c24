"""The CPNI Track domain. Status changes happen only in records.lifecycle."""

from .audit import AuditChainHead, AuditEvent
from .choices import CpniCategory, Medium, PeriodUnit
from .destruction import CertificateCounter, Destruction
from .imports import ImportJob
from .jobs import Job
from .holds import HeldRecord, LegalHold, active_hold_exists, an_active_hold
from .locks import JobLock
from .notifications import Notification, NotificationItem
from .organisation import Department, EnrolmentCode, User
from .records import (
    LabelCheck,
    LabelVerification,
    Record,
    RecordLegalMinimum,
    ReferenceCounter,
    RetentionExtension,
    Status,
)
from .schedule_changes import MinimumLowering
from .schedules import LegalMinimum, RetentionSchedule
from .tallies import WAITING_STATUSES, ExpiryTally, StatusTally, WaitingTally
from .transmittals import Transmittal, TransmittalItem

__all__ = [
    "AuditChainHead",
    "AuditEvent",
    "CpniCategory",
    "CertificateCounter",
    "EnrolmentCode",
    "Department",
    "Destruction",
    "HeldRecord",
    "ImportJob",
    "Job",
    "JobLock",
    "LegalHold",
    "LegalMinimum",
    "MinimumLowering",
    "Notification",
    "NotificationItem",
    "RetentionExtension",
    "active_hold_exists",
    "an_active_hold",
    "LabelCheck",
    "LabelVerification",
    "Medium",
    "PeriodUnit",
    "Record",
    "RecordLegalMinimum",
    "ReferenceCounter",
    "RetentionSchedule",
    "Status",
    "StatusTally",
    "ExpiryTally",
    "WaitingTally",
    "WAITING_STATUSES",
    "Transmittal",
    "TransmittalItem",
    "User",
]
