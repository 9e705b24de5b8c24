"""Lists in sentences, as the certificates, the statement and the refusal messages write them."""


def join_words(items, conjunction="and"):
    """'a', 'a or b', 'a, b or c'."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"


def with_article(words):
    """'a hard disk', 'an optical disc', 'a USB drive'."""
    return f"{'an' if words[:1].lower() in 'aeio' else 'a'} {words}"


def period_words(period):
    """A timedelta as people say it: '15 minutes', '1 hour', '2 hours 30 minutes', '1 day'."""
    minutes = round(period.total_seconds() / 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = [f"{n} {unit}{'' if n == 1 else 's'}" for n, unit in ((days, "day"), (hours, "hour"), (minutes, "minute")) if n]
    return " ".join(parts) or "less than a minute"
