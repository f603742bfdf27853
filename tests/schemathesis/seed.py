"""Seeds a running stampcard server through its API for the schemathesis run, and writes the
real ids the hooks put into generated requests (see hooks.py) to a JSON file.

Usage: python seed.py BASE_URL API_KEY FIXTURES_JSON

Run by `cargo xtask test` with the schemathesis venv's Python (it has `requests`). The account
and its API key come from `stampcard account create --json`; everything else is made here
through the same endpoints a shop's server uses, so the seeded database holds what real use
leaves behind: cards with and without an on-site password, stamps empty, part-filled, full,
redeemed and inactive, PINs set, and open page sessions.
"""

import datetime
import json
import sys

import requests

# A PIN the core accepts (not one repeated digit, not a straight run) and a staff password.
PIN = "2580"
ONSITE_PWD = "counter-7"
TIMEOUT = 30


class Api:
    def __init__(self, base_url: str, api_key: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"APIKey {api_key}"

    def call(self, method: str, path: str, body=None, params=None, auth=True):
        headers = {} if auth else {"Authorization": ""}
        response = self.session.request(
            method, self.base_url + path, json=body, params=params, headers=headers, timeout=TIMEOUT
        )
        envelope = response.json()
        if response.status_code != 200 or envelope.get("code") != 0:
            raise SystemExit(f"seeding failed: {method} {path} {body!r} -> {response.status_code} {envelope!r}")
        return envelope["result"]


def main() -> None:
    base_url, api_key, out = sys.argv[1:4]
    api = Api(base_url, api_key)
    today = datetime.datetime.now(datetime.timezone.utc).date()  # the server's "today" is UTC
    window = {"strtYmd": (today - datetime.timedelta(days=30)).isoformat(),
              "endYmd": (today + datetime.timedelta(days=365)).isoformat()}

    cards = [
        api.call("POST", "/api/stamp/v1/card/create", {"cardNm": "Coffee", "cardTtl": "5 stamps = 1 coffee", "maxStamps": 5}),
        api.call("POST", "/api/stamp/v1/card/create",
                 {"cardNm": "Bakery", "cardTtl": "3 stamps = 1 bun", "maxStamps": 3, "onsiteYn": "Y",
                  "onsitePwd": ONSITE_PWD, "url": "https://bakery.example/", "stampImgUrl": "https://bakery.example/s.png"}),
        api.call("POST", "/api/stamp/v1/card/create",
                 {"cardNm": "Single", "maxStamps": 1, "onsiteYn": "Y", "onsitePwd": ONSITE_PWD}),
    ]
    card_ids = [card["cardIdx"] for card in cards]

    def issue(card_idx: int, count: int = 0, **extra) -> tuple[int, str]:
        """A new stamp with `count` stamps added, and its page token (read while it is valid)."""
        stamp_idx = api.call("POST", "/api/stamp/v1/create", {"cardIdx": card_idx, **window, **extra})
        for _ in range(count):
            api.call("PUT", "/api/stamp/v1/add", {"stampIdx": stamp_idx})
        stamp = api.call("GET", "/api/stamp/v1/validate", params={"stampIdx": stamp_idx})
        return stamp_idx, stamp["stampUrl"].rsplit("/", 1)[1]

    fresh, with_session = [], []
    for card_idx in card_ids:
        fresh.append(issue(card_idx, userNm="Kim", userEml="kim@example.com", userPhnno="+82 10-1234-5678"))
        with_session.append(issue(card_idx, 1, memo="regular"))
    # Full (ready to redeem), so the API's and the page's redeem can succeed.
    with_session += [issue(card_ids[1], 3), issue(card_ids[2], 1), issue(card_ids[0], 5)]
    # Redeemed, inactive and not-yet-started stamps.
    redeemed = issue(card_ids[0], 5)
    api.call("PUT", "/api/stamp/v1/redeem", {"stampIdx": redeemed[0]})
    inactive = issue(card_ids[0], 2)
    api.call("PUT", "/api/stamp/v1/update", {"stampIdx": inactive[0], "activeYn": "N"})
    later = issue(card_ids[1])
    start = (today + datetime.timedelta(days=10)).isoformat()
    api.call("PUT", "/api/stamp/v1/update", {"stampIdx": later[0], "strtYmd": start})
    with_session += [redeemed, inactive]
    fresh.append(later)
    stamps = fresh + with_session
    # Only these go to DELETE, so the others stay for the rest of the run.
    deletable = [api.call("POST", "/api/stamp/v1/create", {"cardIdx": card_ids[i % 3], **window}) for i in range(12)]

    sessions = {}
    for _, token in with_session:
        session = api.call("POST", f"/api/page/v1/{token}/pin", {"pin": PIN}, auth=False)
        sessions[token] = session["sessionToken"]

    fixtures = {
        "cardIdx": card_ids,
        "stampIdx": [stamp_idx for stamp_idx, _ in stamps],
        "deletableStampIdx": deletable,
        "tokens": [token for _, token in stamps],
        "sessions": sessions,
        "pin": PIN,
        "onsitePwd": ONSITE_PWD,
    }
    with open(out, "w", encoding="utf-8") as file:
        json.dump(fixtures, file, indent=2)
    print(f"seeded {len(card_ids)} cards, {len(stamps) + len(deletable)} stamps, {len(sessions)} page sessions")


if __name__ == "__main__":
    main()
