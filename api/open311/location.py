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
    """The township of the named places around the point (the gazetteer's positions); None when none is near."""
    if gazetteer is None:
        return None
    return gazetteer.locate_point(lat, long, radius_m=POINT_RADIUS_M).township_code


# A partner's map pin names the township of the places within this distance.
POINT_RADIUS_M = 800
