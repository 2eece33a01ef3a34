"""Every list page runs a fixed, small number of queries, whatever the page size and once the tree is cached."""
import pytest

from tests.conftest import login

# (account, URL, most statements one view may run): the figures of today's pages, so a new query per row or
# per request shows up here. Session and idempotency bookkeeping count too.
LIST_PAGES = [
    ("county", "/households/", 6),
    ("county", "/households/?q=张", 7),
    ("grid", "/households/", 6),
    ("grid", "/visits/today", 3),
    ("county", "/visits/", 5),
    ("county", "/moves/", 5),
    ("county", "/pool/conflicts", 3),
    ("county", "/reports/", 5),
    ("county", "/notifications/", 3),
    ("opslead", "/tickets/", 7),
    ("credit", "/credit/subjects", 3),
    ("credit", "/credit/reports", 3),
    ("admin", "/admin/users", 3),
    ("admin", "/admin/audit", 4),  # user, count, rows, the names of the accounts the rows are about
    ("admin", "/admin/messages", 4),
]


@pytest.mark.parametrize("who, url, most", LIST_PAGES)
def test_list_page_query_count_is_fixed(demo, client, count_queries, who, url, most):
    login(client, who)
    joiner = "&" if "?" in url else "?"
    assert client.get(url).status_code == 200  # the first view of a process caches the region tree
    counts = []
    for size in (2, 20):
        with count_queries() as counter:
            assert client.get(f"{url}{joiner}size={size}", headers={"HX-Request": "true"}).status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1], f"{url}: the query count grows with the page size: {counts}"
    assert counts[0] <= most, f"{url}: {counts[0]} queries, at most {most} expected"
