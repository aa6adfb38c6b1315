from tfclaims.auth.roles import Role


def test_sign_in_page(pages):
    page = pages.get("/sign-in")
    assert page.h1.get_text(strip=True) == "Sign in to tfclaims"


def test_home_after_sign_in(pages, sign_in):
    sign_in(Role.COORDINATOR)
    pages.get("/home")
