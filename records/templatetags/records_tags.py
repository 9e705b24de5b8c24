from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def query_with(context, **changes):
    """The current query string with some parameters replaced (None removes one)."""
    query = context["request"].GET.copy()
    for name, value in changes.items():
        if value is None:
            query.pop(name, None)
        else:
            query[name] = value
    return "?" + query.urlencode() if query else "?"


@register.simple_tag(takes_context=True)
def sort_query(context, column):
    """Sort by `column`, ascending first; a second click reverses it. Back to page 1."""
    current = context.get("sort", "")
    next_sort = f"-{column}" if current == column else column
    return query_with(context, sort=next_sort, page=None)


@register.simple_tag(takes_context=True)
def sort_state(context, column):
    """aria-sort value of a column header."""
    current = context.get("sort", "")
    if current == column:
        return "ascending"
    if current == f"-{column}":
        return "descending"
    return "none"


@register.filter
def role_labels(user):
    """The names of the user's roles for people, e.g. ['Records manager'] (read once per request)."""
    from records.roles import Role, roles_of

    names = roles_of(user)
    return [role.label for role in Role if role.value in names]


@register.filter
def may_use_second_factor(user):
    from records.middleware import needs_second_factor

    return needs_second_factor(user)
