"""Signing up and in: the form, the first page a new user sees, a reload that keeps the
session without the token touching storage, and what the first load weighs."""
import json

from selenium.webdriver.common.by import By

from harness import DashboardCase


class LoginTest(DashboardCase):
    def test_sign_up_lands_on_the_guide_and_a_reload_keeps_the_session(self):
        d = self.driver
        self.sign_out()
        email = self.css("input[name=email]")
        # The menu (with Sign out) is not shown before signing in.
        self.assertFalse(d.find_element(By.ID, "nav").is_displayed())
        self.shots("login")
        email.send_keys("grace@example.com")
        d.find_element(By.CSS_SELECTOR, "input[name=password]").send_keys("long enough pass")
        d.find_element(By.CSS_SELECTOR, "button[value=register]").click()
        self.wait.until(lambda d: d.find_element(By.ID, "nav").is_displayed())
        self.css("#bench-title")
        self.assertIn("Getting started", d.find_element(By.ID, "main").text)
        d.refresh()
        self.css("#bench-title")
        # The session lives in an HttpOnly cookie: nothing but the guide's "closed" marks
        # (per user) is ever written to the browser's storage.
        stored = d.execute_script("return Object.keys(localStorage).concat(Object.keys(sessionStorage))")
        self.assertTrue(all(k.startswith("studio.guide.closed.") for k in stored), stored)
        values = d.execute_script("return Object.values(localStorage).concat(Object.values(sessionStorage)).join(' ')")
        self.assertNotIn("eyJ", values, "no token in storage")

    def test_the_first_load_is_small_compressed_and_cached(self):
        d = self.driver
        self.sign_out()
        d.get(self.base + "/")
        self.css("input[name=email]")
        entries = d.execute_script(
            "return performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'))"
            ".map(e => ({name: e.name, decoded: e.decodedBodySize, encoded: e.encodedBodySize}))")
        files = [e for e in entries if "/v/" in e["name"]]
        self.assertTrue(files, entries)
        decoded, encoded = sum(e["decoded"] for e in entries), sum(e["encoded"] for e in entries)
        # Brotli: the scripts and the stylesheet arrive at well under half their size.
        self.assertLess(encoded, decoded / 2, entries)
        # A second visit asks for nothing the first fetched under /v/ (immutable for a year).
        d.get(self.base + "/")
        self.css("input[name=email]")
        again = d.execute_script("return performance.getEntriesByType('resource').filter(e => e.name.includes('/v/'))"
                                 ".map(e => ({name: e.name, transfer: e.transferSize}))")
        self.assertTrue(again and all(e["transfer"] == 0 for e in again), again)
        print(json.dumps({"first_load_bytes": decoded, "first_load_transferred_bytes": encoded}))
