"""Which page of a list a request asks for (`?<list>_page=N`), and the links to the others.

Every list has its own parameter, so the pages that show several lists (needs
attention, bookings, data requests) page through each on its own. Anything that
is not a page number from 1 to MAX_PAGE (missing, "abc", 0, -1, 10**30) is page 1,
never an error. A page past the end is shown empty, with a link back.
"""

from __future__ import annotations

from urllib.parse import urlencode

from aiohttp import web

MAX_PAGE = 1_000_000
SUFFIX = "_page"  # every list's parameter: handoffs_page, past_page, ...
DROPPED = ("notice",)  # a one-off message of the page it was redirected to, not part of the list's address


def parse(text: str) -> int:
    text = text.strip()
    if not text.isdigit() or len(text) > len(str(MAX_PAGE)):
        return 1
    number = int(text)
    return number if 1 <= number <= MAX_PAGE else 1


def page_number(request: web.Request, param: str) -> int:
    return parse(request.query.get(param, ""))


def page_url(request: web.Request, param: str, number: int) -> str:
    """This page's address with list `param` at page `number` (the other lists stay where they are).

    Page 1 and unreadable page numbers are left out, so every page has one address.
    """
    query = {}
    for key, value in request.query.items():
        if key in DROPPED or key == param or (key.endswith(SUFFIX) and parse(value) == 1):
            continue
        query[key] = value
    if number > 1:
        query[param] = str(number)
    return request.path + (("?" + urlencode(sorted(query.items()))) if query else "")
