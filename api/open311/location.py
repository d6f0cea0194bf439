"""Where a partner's request is: the township behind an address_id or a map point."""
from __future__ import annotations

import re

from api.open311.errors import bad_request
from hotline.rules.routing import Gazetteer

# A township's NBS code (110105004 = 三里屯街道) is our master address id.
ADDRESS_ID = re.compile(r"\d{9}")


def township_of_address_id(address_id: str, gazetteer: Gazetteer) -> str:
    """The township an address_id names; 400 when it is not one of ours."""
    if not ADDRESS_ID.fullmatch(address_id) or address_id not in gazetteer.places:
        raise bad_request("address_id", "must be a township code of Beijing (9 digits, e.g. 110105004)")
    return address_id


def locate_point(lat: float, long: float, *, gazetteer: Gazetteer | None = None) -> str | None:
    """The township code whose area holds (or is nearest to) the point; None while the gazetteer has no coordinates.

    The gazetteer (hotline/rules/routing.py) is getting township coordinates in another branch. When it has them,
    this becomes `return gazetteer.nearest_township(lat, long)` (or whatever that method is named) and the point
    routes requests that carry no address_string; until then intake sends them to the district fallback or the
    triage desk, like any request whose place is unknown.
    """
    return None
