"""The client address of the per-address sign-in throttle behind a reverse proxy
(TRACKER_TRUSTED_PROXIES): X-Forwarded-For is believed only from a trusted proxy, and only as far
as trusted proxies wrote it."""

from __future__ import annotations

import pytest

from tracker.core.config import TrustedProxies, load_settings, trusted_proxies

NOBODY = TrustedProxies()


def _from(setting: str) -> TrustedProxies:
    return trusted_proxies({"TRACKER_TRUSTED_PROXIES": setting})


def test_by_default_the_connection_counts_and_the_header_is_ignored() -> None:
    assert trusted_proxies({}) == NOBODY
    assert NOBODY.client("203.0.113.7", "198.51.100.1") == "203.0.113.7"
    assert NOBODY.client(None, "198.51.100.1") is None  # localhost, as Streamlit gives it


def test_one_proxy_hop_takes_the_address_the_proxy_wrote() -> None:
    one = _from("1")
    assert one.client("10.0.0.2", "198.51.100.1") == "198.51.100.1"
    # A client's own header comes first; the proxy appends what it saw: the last one counts.
    assert one.client("10.0.0.2", "1.2.3.4, 198.51.100.1") == "198.51.100.1"
    assert one.client(None, ["1.2.3.4", "198.51.100.1"]) == "198.51.100.1"  # two headers
    # No header: the proxy wrote nothing, the connection counts.
    assert one.client("10.0.0.2", None) == "10.0.0.2"
    assert one.client("10.0.0.2", []) == "10.0.0.2"


def test_two_hops_take_the_address_the_outer_proxy_wrote() -> None:
    two = _from("2")
    assert two.client("10.0.0.2", "9.9.9.9, 198.51.100.1, 172.16.0.1") == "198.51.100.1"
    assert two.client("10.0.0.2", "198.51.100.1") == "10.0.0.2"  # fewer entries than proxies


def test_a_request_from_an_untrusted_address_cannot_choose_its_address() -> None:
    proxies = _from("10.0.0.2")
    assert proxies.client("203.0.113.7", "198.51.100.1") == "203.0.113.7"
    assert proxies.client("10.0.0.2", "198.51.100.1") == "198.51.100.1"


def test_the_chain_is_read_from_the_right_past_every_trusted_proxy() -> None:
    proxies = _from("10.0.0.0/24, 172.16.0.9")
    forwarded = "6.6.6.6, 198.51.100.1, 172.16.0.9"  # the first entry is the client's own lie
    assert proxies.client("10.0.0.2", forwarded) == "198.51.100.1"
    # Only trusted proxies on the way: the leftmost is the client.
    assert proxies.client("10.0.0.2", "10.0.0.7, 172.16.0.9") == "10.0.0.7"
    # Garbage is never written by a trusted proxy: the last sure hop counts.
    assert proxies.client("10.0.0.2", "nonsense, 172.16.0.9") == "172.16.0.9"


def test_a_proxy_on_the_same_machine_and_ipv6() -> None:
    local = _from("127.0.0.1")
    assert local.client(None, "198.51.100.1") == "198.51.100.1"  # Streamlit: localhost is None
    assert _from("::1").client(None, "2001:db8::1") == "2001:db8::1"
    assert _from("2001:db8:ffff::/48").client("2001:db8:ffff::2", "2001:db8::1") == "2001:db8::1"
    assert NOBODY.client(None, "198.51.100.1") is None


def test_the_setting_is_read_with_the_others_and_refuses_nonsense() -> None:
    settings = load_settings({"TRACKER_TRUSTED_PROXIES": "10.0.0.2,10.0.1.0/24",
                              "TRACKER_COOKIE_SECRET": "x"})
    assert len(settings.trusted_proxies.networks) == 2
    assert load_settings({"TRACKER_COOKIE_SECRET": "x"}).trusted_proxies == NOBODY
    assert _from("0") == NOBODY
    with pytest.raises(ValueError, match="TRACKER_TRUSTED_PROXIES"):
        _from("proxy.example")
