"""Choices shared by several models."""

from django.db import models


class Medium(models.TextChoices):
    PAPER = "paper", "Paper"
    HARD_DISK = "hard_disk", "Hard disk"
    SSD = "ssd", "Solid-state drive"
    USB_DRIVE = "usb_drive", "USB drive"
    OPTICAL_DISC = "optical_disc", "Optical disc"
    TAPE = "tape", "Tape"
    FILE_SHARE = "file_share", "File share"
    EMAIL = "email", "Email"
    OTHER_ELECTRONIC = "other_electronic", "Other electronic"

    @classmethod
    def removable(cls):
        """Physical electronic media that carry a serial number and are handed to Network Operations."""
        return {cls.HARD_DISK, cls.SSD, cls.USB_DRIVE, cls.OPTICAL_DISC, cls.TAPE}

    @classmethod
    def is_electronic(cls, value):
        return value != cls.PAPER

    @classmethod
    def in_words(cls, value):
        """The medium as a sentence names it: 'hard disk', 'USB drive' (an acronym keeps its capitals)."""
        label = str(cls(value).label)
        return label if label[:2].isupper() else label[:1].lower() + label[1:]


class CpniCategory(models.TextChoices):
    """The kinds of CPNI in the procedures' definition (47 U.S.C. 222(h)(1))."""

    QUANTITY = "quantity", "Quantity of use"
    TECHNICAL_CONFIGURATION = "technical_configuration", "Technical configuration"
    TYPE = "type", "Type of service"
    DESTINATION = "destination", "Destination"
    LOCATION = "location", "Location"
    AMOUNT_OF_USE = "amount_of_use", "Amount of use"
    BILLING = "billing", "Information in bills"


class PeriodUnit(models.TextChoices):
    DAYS = "days", "days"
    MONTHS = "months", "months"
    YEARS = "years", "years"

    @classmethod
    def longest(cls, unit):
        """The longest period CPNI Track accepts in `unit`: a hundred years."""
        return {cls.DAYS: 36500, cls.MONTHS: 1200, cls.YEARS: 100}[unit]

    @classmethod
    def describe(cls, value, unit):
        """'1 year', '18 months'."""
        label = cls(unit).label
        return f"{value} {label[:-1] if value == 1 else label}"
