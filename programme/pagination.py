"""Pagination for the long lists of staff and administrators."""

from __future__ import annotations

from django.core.paginator import Page, Paginator


class CountedPaginator(Paginator):
    """A Paginator that may be told how many rows the list holds: `count`, when the page
    already knows it (from its counts by status, programme.figures), saves counting them
    again."""

    def __init__(self, object_list, per_page, *, count: int | None = None, **options) -> None:
        super().__init__(object_list, per_page, **options)
        if count is not None:
            # Paginator.count is a cached property: a value set on the instance is read instead.
            self.count = count


class KeysFirstPaginator(CountedPaginator):
    """Sorts and slices only the rows' keys, then loads the page's rows in full.

    A list sorted on computed values (overdue first, the company's name) cannot be read
    in order from an index: PostgreSQL sorts every row of the programme to find the page.
    Sorting the keys alone keeps that sort narrow; the columns, the related rows and the
    per-row figures are then read for the page's rows only. One query more than
    Paginator, whatever the size of the list."""

    def page(self, number: int | str) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        keys = list(self.object_list.values_list("pk", flat=True)[bottom:top])
        rows = {row.pk: row for row in self.object_list.filter(pk__in=keys).order_by()} if keys else {}
        # A row gone between the two queries is left out rather than shown stale.
        return self._get_page([rows[key] for key in keys if key in rows], number, self)
