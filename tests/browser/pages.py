"""Steps every page test takes."""
from __future__ import annotations


def login(page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/todo")


def pick_person(page, select: str, typed: str, choose: str) -> None:
    """Choose someone in a person picker (Tom Select over `select`) by typing part of their name:
    the options come from the server's people search as one types."""
    wrapper = page.locator(f"{select} + .ts-wrapper")
    wrapper.locator(".ts-control").click()
    with page.expect_response(lambda r: "/people/options" in r.url and r.status == 200):
        page.keyboard.type(typed, delay=30)
    option = wrapper.locator(".ts-dropdown .option", has_text=choose).first
    option.wait_for()
    option.click()


def logout(page) -> None:
    """退出 sits in the menu under the person's name."""
    page.click("header .me .dropdown-toggle")
    page.click("header .me button.logout")


def go_to(page, label: str) -> None:
    """Follow a header link, opening its menu (监管, 台账, 业务, 管理) when it sits in one."""
    link = page.locator("header nav a", has_text=label).first
    if not link.is_visible():
        menu = page.locator("header nav .dropdown", has=page.locator("a", has_text=label)).first
        menu.locator(".dropdown-toggle").click()
    link.click()
