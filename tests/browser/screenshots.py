"""Take the documentation's screenshots from a running demo (`make run`), then
`.venv/bin/python tests/browser/screenshots.py http://127.0.0.1:8000`: My work, a queue and a
figures page with its chart, each at 1280 and 360 px wide, into docs/images/."""

import sys

from playwright.sync_api import sync_playwright

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
PAGES = [
    ("case-owner", "/", "my-work"),
    ("line-manager", "/work/queues/em-hub-breaches/", "queue"),
    ("line-manager", "/work/backlog/", "figures-backlog"),
    ("performance-analyst", "/monitoring/figures/", "figures-em"),
]

with sync_playwright() as p:
    browser = p.chromium.launch(
        executable_path="/usr/bin/chromium", headless=True, args=["--no-sandbox"]
    )
    for username, path, name in PAGES:
        for width in (1280, 360):
            page = browser.new_page(viewport={"width": width, "height": 900})
            page.goto(BASE + "/accounts/sign-in/")
            page.fill("input[name=username]", username)
            page.fill("input[name=password]", "Waymark-demo-2026")
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_load_state()
            page.goto(BASE + path)
            page.wait_for_load_state("networkidle")
            chart = page.locator(".wm-chart")
            if name.startswith("figures") and chart.count():
                # The figures pages are shown at their chart (with the heading above it).
                page.evaluate(
                    "el => window.scrollTo(0, el.getBoundingClientRect().top + scrollY - 120)",
                    chart.first.element_handle(),
                )
            page.screenshot(path=f"docs/images/{name}-{width}.png", full_page=False)
            page.close()
    browser.close()
