"""Take the README screenshot from a running demo: `make run`, then
`.venv/bin/python tests/browser/screenshot.py http://127.0.0.1:8000`."""

import re
import sys

from playwright.sync_api import sync_playwright

with sync_playwright() as p:
    b = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=["--no-sandbox"])
    page = b.new_page(viewport={"width": 1280, "height": 900})
    base = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
    page.goto(base + "/")
    page.fill("input[name=username]", "case-owner")
    page.fill("input[name=password]", "Waymark-demo-2026")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(base + "/")
    page.goto(base + "/people/?name=Mohammed&search=1")
    page.locator("a[href^='/people/']").filter(has_text=re.compile("[A-Z]{3,}")).first.click()
    page.wait_for_load_state()
    page.screenshot(path="docs/images/person-page.png")
    b.close()
