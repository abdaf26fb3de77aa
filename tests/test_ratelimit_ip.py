from django.test import RequestFactory

from caredesk.core.ratelimit import client_ip


def test_rightmost_forwarded_address_is_the_one_the_proxy_saw():
    request = RequestFactory().get(
        "/", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9", REMOTE_ADDR="10.0.0.2"
    )
    assert client_ip(request) == "203.0.113.9"


def test_without_a_proxy_header_the_socket_address_counts():
    request = RequestFactory().get("/", REMOTE_ADDR="198.51.100.4")
    assert client_ip(request) == "198.51.100.4"
