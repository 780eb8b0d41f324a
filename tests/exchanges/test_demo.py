from __future__ import annotations

from collections import Counter

from coproduce.communities.demo import build_demo
from coproduce.exchanges import demo
from coproduce.exchanges.models import Exchange, ExchangeStatus, Listing
from coproduce.ledger.invariants import ledger_audit


def test_it_builds_a_year_of_history_and_a_spread_of_listings_once(db):
    build_demo()
    assert demo.build_history() is True
    assert demo.build_listings() is True
    statuses = Counter(Exchange.objects.values_list("status", flat=True))
    assert statuses[ExchangeStatus.CONFIRMED] > 300 and statuses[ExchangeStatus.RECORDED] >= 5
    dates = sorted(Exchange.objects.values_list("effective_on", flat=True))
    assert (dates[-1] - dates[0]).days > 300
    assert Listing.objects.count() == len(demo.LISTINGS)
    assert set(Listing.objects.values_list("kind", flat=True)) == {"offer", "request"}
    assert Listing.objects.values("category").distinct().count() > 20
    assert ledger_audit().clean
    assert demo.build_history() is False and demo.build_listings() is False
