"""Lists in sentences, as the certificates, the statement and the refusal messages write them."""


def join_words(items, conjunction="and"):
    """'a', 'a or b', 'a, b or c'."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"
