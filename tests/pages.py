"""A page-checking helper in the manner of GOV.UK Notify's tests.

``pages.get(url)`` fetches a page and checks, every time: the status, a page title, exactly one ``h1``, no
duplicate ids, and that every form has an action and (for POST forms) a CSRF field. It returns the parsed page.
``pages.post(url, data, redirects_to=...)`` asserts the redirect target.
"""

from __future__ import annotations

from collections import Counter

from bs4 import BeautifulSoup


class PageChecker:
    def __init__(self, client):
        self.client = client

    def get(self, url: str, status: int = 200, **kwargs) -> BeautifulSoup:
        response = self.client.get(url, **kwargs)
        assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:2000])
        return self.check(response)

    def check(self, response) -> BeautifulSoup:
        page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
        title = page.find("title")
        assert title and title.get_text(strip=True), "every page has a title"
        h1s = page.find_all("h1")
        assert len(h1s) == 1, f"expected exactly one h1, found {[h.get_text(strip=True) for h in h1s]}"
        ids = Counter(tag["id"] for tag in page.find_all(id=True))
        duplicates = [i for i, n in ids.items() if n > 1]
        assert not duplicates, f"duplicate ids: {duplicates}"
        for form in page.find_all("form"):
            assert form.get("action"), "every form has an action"
            if form.get("method", "get").lower() == "post" and self.client.application.config.get(
                "WTF_CSRF_ENABLED", True
            ):
                assert form.find("input", {"name": "csrf_token"}), "every POST form carries a CSRF token"
        return page

    def post(
        self, url: str, data: dict | None = None, redirects_to: str | None = None, status: int | None = None, **kwargs
    ):
        response = self.client.post(url, data=data or {}, **kwargs)
        if redirects_to is not None:
            assert response.status_code == 302, (response.status_code, _errors(response))
            location = response.headers["Location"]
            assert location.split("?")[0].split("#")[0].endswith(redirects_to) or location == redirects_to, location
        if status is not None:
            assert response.status_code == status, (response.status_code, _errors(response))
        return response

    def post_with_errors(self, url: str, data: dict) -> tuple[BeautifulSoup, list[str]]:
        """Post a form expected to be refused; return the page and the error summary's messages."""
        response = self.client.post(url, data=data)
        assert response.status_code == 200, (response.status_code, response.headers.get("Location"))
        page = self.check(response)
        summary = page.select_one(".govuk-error-summary")
        assert summary is not None, "a refused form shows the GOV.UK error summary"
        return page, [li.get_text(strip=True) for li in summary.select("li")]


def _errors(response) -> list[str]:
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    return [li.get_text(strip=True) for li in page.select(".govuk-error-summary li")] or [
        response.get_data(as_text=True)[:500]
    ]


def text(page: BeautifulSoup) -> str:
    return " ".join(page.get_text(" ").split())
