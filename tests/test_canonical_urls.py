"""One spelling per article URL, and one identity for the same story reached by different URLs."""

from __future__ import annotations

import pytest

from monitor.ingest.urls import canonical_url, url_identity


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("HTTPS://Example.COM/News/A", "https://example.com/News/A"),
        ("http://example.com:80/a", "http://example.com/a"),
        ("https://example.com:443/a", "https://example.com/a"),
        ("http://example.com:443/a", "http://example.com:443/a"),
        ("https://example.com:8443/a", "https://example.com:8443/a"),
        ("https://example.com", "https://example.com/"),
        ("https://example.com?", "https://example.com/"),
        ("https://example.com/a?", "https://example.com/a"),
        ("https://example.com/a#comments", "https://example.com/a"),
        ("https://example.com/a?b=2&a=1", "https://example.com/a?a=1&b=2"),
        ("https://example.com/a?b=&a", "https://example.com/a?a&b="),
        ("https://example.com/a?id=2&x=0&id=1", "https://example.com/a?id=2&id=1&x=0"),
        ("https://example.com/a?p=1&&q=2", "https://example.com/a?p=1&q=2"),
        ("https://example.com/a%20b/%C3%A9?q=a%2Fb", "https://example.com/a%20b/%C3%A9?q=a%2Fb"),
        ("https://User:Pw@Example.com:443/a", "https://User:Pw@example.com/a"),
        ("http://[2001:DB8::1]:80/a", "http://[2001:db8::1]/a"),
        ("  https://example.com/a \n", "https://example.com/a"),
    ],
)
def test_urls_are_canonicalised(url: str, canonical: str) -> None:
    assert canonical_url(url) == canonical


@pytest.mark.parametrize(
    "query",
    [
        "utm_source=rss",
        "UTM_Medium=email&utm_campaign=x&Utm_Term=y&utm_content=z",
        "fbclid=abc",
        "gclid=1&dclid=2&msclkid=3&yclid=4",
        "mc_cid=1&mc_eid=2",
        "igshid=1&_hsenc=2&_hsmi=3&mkt_tok=4&ref_src=twsrc&ocid=5&cmpid=6",
    ],
)
def test_tracking_parameters_are_dropped(query: str) -> None:
    assert canonical_url(f"https://example.com/story?{query}") == "https://example.com/story"
    assert canonical_url(f"https://example.com/story?{query}&id=7") == "https://example.com/story?id=7"


def test_parameters_that_only_look_like_tracking_are_kept() -> None:
    url = "https://example.com/s?ref=home&utm=1&source=rss&page=2"
    assert canonical_url(url) == "https://example.com/s?page=2&ref=home&source=rss&utm=1"


def test_canonicalising_twice_changes_nothing() -> None:
    once = canonical_url("HTTP://WWW.Example.com:80?utm_source=x&b=1&a=#frag")
    assert once == "http://www.example.com/?a=&b=1"
    assert canonical_url(once) == once


@pytest.mark.parametrize(
    "url", ["not a url", "/relative/path", "example.com/a", "http://[::1/a", "", "mailto:x@y"]
)
def test_what_cannot_be_parsed_as_an_absolute_url_is_returned_stripped(url: str) -> None:
    assert canonical_url(f" {url} ") == url


def test_the_same_story_has_one_identity_across_scheme_www_and_tracking() -> None:
    same = [
        "http://www.example.com/a?utm_source=x",
        "https://example.com/a",
        "HTTPS://WWW.EXAMPLE.COM:443/a#top",
        "https://example.com/a?fbclid=123",
    ]
    assert {url_identity(url) for url in same} == {"example.com/a"}


def test_different_stories_have_different_identities() -> None:
    urls = [
        "https://example.com/a",
        "https://example.com/b",
        "https://example.com/a?id=2",
        "https://news.example.com/a",
        "https://example.com:8080/a",
        "https://www2.example.com/a",
    ]
    assert len({url_identity(url) for url in urls}) == len(urls)


def test_only_a_leading_www_is_ignored() -> None:
    assert url_identity("https://wwwexample.com/a") == "wwwexample.com/a"
    assert url_identity("https://news.www.example.com/a") == "news.www.example.com/a"
