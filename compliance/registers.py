"""The registers that feed the annual certification: complaints, data-broker actions, pretexting
observations and the company profile with the companies it covers. Kept by records managers;
every save is audited, and an entry dated in a year whose certification was filed stays as filed
(compliance.filed_years)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from compliance.models import CoveredCompany

from records.audit import audit_event_record

from .filed_years import refuse_locked_dates


def _plain(value):
    """A field's value as the audit event keeps it: a related object by its name."""
    return str(value) if hasattr(value, "_meta") else value


def register_save(*, actor, instance, fields):
    """Create or update a register entry with the given field values. Guarantees: the actor holds
    the model's add/change permission; the entry is valid; history and an audit event with the
    changed values are written."""
    meta = instance._meta
    creating = instance._state.adding
    permission = f"{meta.app_label}.{'add' if creating else 'change'}_{meta.model_name}"
    if not actor.has_perm(permission):
        raise PermissionDenied("Only records managers keep the certification registers.")
    dated_by = getattr(instance, "dated_by", None)
    if dated_by:  # neither changed in, moved out of nor moved into a year whose certification was filed
        if not creating:
            refuse_locked_dates(**{dated_by: getattr(instance, dated_by)})
        refuse_locked_dates(**{dated_by: fields.get(dated_by, getattr(instance, dated_by))})
    before = {} if creating else {name: _plain(getattr(instance, name)) for name in fields}
    for name, value in fields.items():
        setattr(instance, name, value)
    if creating and hasattr(instance, "recorded_by_id"):
        instance.recorded_by = actor
    instance.full_clean()
    changed = {
        name: [before.get(name), _plain(value)] for name, value in fields.items() if before.get(name) != _plain(value)
    }
    if not creating and not changed:
        return instance
    with transaction.atomic():
        instance._history_user = actor
        instance.save()
        audit_event_record(
            actor=actor, action=f"{meta.model_name}.{'created' if creating else 'updated'}", obj=instance,
            payload={name: values[1] if creating else values for name, values in changed.items()},
        )
    return instance


COMPANY_FIELDS = ("name", "filer_id", "no_filer_id_reason")


def company_profile_save(*, actor, profile, fields, companies):
    """Save the company profile (`fields`, through register_save) and the companies it covers:
    `companies` is the whole list, in order, of {"id" (None for a new one), "name", "filer_id",
    "no_filer_id_reason"}; a company of the profile left out of it is removed. Guarantees: the actor
    may change the profile; at least one company, names unique (ignoring case), each with a
    six-digit Filer ID or the reason it has none; all or nothing; history and an audit event for
    every company created, changed or removed."""
    if not actor.has_perm(f"compliance.{'add' if profile._state.adding else 'change'}_companyprofile"):
        raise PermissionDenied("Only records managers keep the company profile.")
    existing = {company.pk: company for company in profile.companies.all()} if not profile._state.adding else {}
    rows = _company_rows(profile, existing, companies)
    with transaction.atomic():
        profile = register_save(actor=actor, instance=profile, fields=fields)
        for company in existing.values():
            if company.pk not in {row.pk for row, _ in rows}:
                _company_delete(actor, company)
        for company, changed in rows:
            _company_write(actor, profile, company, changed)
    return profile


def _company_rows(profile, existing, companies):
    """[(company with the new values, {field: [old, new]} or None for a new one)], validated."""
    errors, rows, seen = [], [], {}
    for position, values in enumerate(companies):
        company_id = values.get("id")
        if company_id is not None and company_id not in existing:
            raise ValidationError("A company listed is not one of the profile's: reload the page and try again.")
        company = existing.get(company_id) or CoveredCompany(profile=profile)
        before = {name: getattr(company, name) for name in (*COMPANY_FIELDS, "position")}
        for name in COMPANY_FIELDS:
            setattr(company, name, values.get(name) or "")
        company.position = position
        try:
            company.full_clean(exclude=["profile"])
        except ValidationError as error:
            label = company.name or f"Company {position + 1}"
            errors.extend(f"{label}: {message}" for message in error.messages)
        key = company.name.casefold()
        if key in seen:
            errors.append(f"Each company is named once: {company.name} is named more than once.")
        seen[key] = company
        after = {name: getattr(company, name) for name in (*COMPANY_FIELDS, "position")}
        changed = None if company.pk is None else {
            name: [before[name], after[name]] for name in after if before[name] != after[name]
        }
        rows.append((company, changed))
    if not companies:
        errors.append("Name at least one company the certification covers.")
    if errors:
        raise ValidationError(errors)
    return rows


def _company_write(actor, profile, company, changed):
    if changed == {}:
        return
    company.profile = profile
    company._history_user = actor
    company.save()
    if changed is None:
        payload = {name: getattr(company, name) for name in (*COMPANY_FIELDS, "position")}
    else:
        payload = changed
    audit_event_record(actor=actor, action=f"coveredcompany.{'created' if changed is None else 'updated'}",
                       obj=company, payload=payload)


def _company_delete(actor, company):
    audit_event_record(actor=actor, action="coveredcompany.removed", obj=company,
                       payload={name: getattr(company, name) for name in COMPANY_FIELDS})
    company._history_user = actor
    company.delete()
