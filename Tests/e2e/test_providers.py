"""Providers & keys: a key saved and shown masked, a model added, the provider's own model
list with one-click adding, editing a model (name, limits, parameters) and a provider in
place, refusals in words next to their field, a known provider in one step."""
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from harness import DashboardCase


class ProvidersTest(DashboardCase):
    expected_console = ["/api/providers - Failed to load resource: the server responded with a status of 422"]

    def test_keys_models_discovery_editing_and_presets(self):
        d = self.driver
        email = self.new_user(page="providers")
        d.find_element(By.CSS_SELECTOR, "input[name=provider_id]").send_keys("sim-openai")
        d.find_element(By.CSS_SELECTOR, "input[name=api_key]").send_keys("sk-e2e-secret-4321")
        d.find_element(By.XPATH, "//button[text()='Save key']").click()
        self.wait.until(lambda d: "…4321" in d.find_element(By.ID, "main").text)
        self.assertNotIn("sk-e2e-secret", d.find_element(By.ID, "main").text)
        section = d.find_element(By.CSS_SELECTOR, "section[aria-label='provider sim-openai']")
        section.find_element(By.CSS_SELECTOR, "input[name=model_id]").send_keys("sim-ttft50-gap10-tok32")
        section.find_element(By.XPATH, ".//button[text()='Add model']").click()
        self.wait.until(lambda d: "sim-ttft50-gap10-tok32" in d.find_element(By.ID, "main").text)
        # Test the connection: the provider's own model list, one click to add one.
        section = d.find_element(By.CSS_SELECTOR, "section[aria-label='provider sim-openai']")
        section.find_element(By.XPATH, ".//button[text()='Test connection and list models']").click()
        self.wait.until(lambda d: "Connected:" in d.find_element(By.CSS_SELECTOR, "section[aria-label='provider sim-openai'] .discovered").text)
        self.shots("providers-discovery")
        d.find_element(By.CSS_SELECTOR, "section[aria-label='provider sim-openai'] button[aria-label='Add sim-steady']").click()
        self.wait.until(lambda d: "sim-steady" in d.find_element(By.CSS_SELECTOR, "section[aria-label='provider sim-openai'] table").text)

        # Editing a model in place: display name, output limit, its own parameters.
        d.find_element(By.CSS_SELECTOR, "section[aria-label='provider sim-openai'] button[aria-label='Edit sim-steady']").click()
        editing = self.css("form[aria-label='edit model sim-steady']")
        name = editing.find_element(By.CSS_SELECTOR, "input[name=display_name]")
        name.clear(); name.send_keys("Steady (edited)")
        editing.find_element(By.CSS_SELECTOR, "input[name=max_output]").send_keys("2048")
        params = editing.find_element(By.CSS_SELECTOR, "textarea[name=params]")
        params.clear(); params.send_keys("[1, 2]")
        editing.find_element(By.XPATH, ".//button[text()='Save model']").click()
        self.wait.until(lambda d: "must be a JSON object" in d.find_element(By.CSS_SELECTOR, "form[aria-label='edit model sim-steady'] [data-error-for=params]").text)
        params.clear(); params.send_keys('{"top_p": 0.8, "seed": 7}')
        editing.find_element(By.XPATH, ".//button[text()='Save model']").click()
        self.wait.until(lambda d: "Steady (edited)" in d.find_element(By.CSS_SELECTOR, "section[aria-label='provider sim-openai'] table").text)
        stored = next(m for p in self.studio.request("GET", "/api/providers", email=email)["providers"] if p["slug"] == "sim-openai"
                      for m in p["models"] if m["model_id"] == "sim-steady")
        self.assertEqual((stored["display_name"], stored["max_output"], stored["params"]), ("Steady (edited)", 2048, {"top_p": 0.8, "seed": 7}))

        # A provider's default parameters refused in words, next to the field, when not JSON.
        d.find_element(By.XPATH, "//button[text()='Edit provider sim-openai']").click()
        editing = self.css("form[aria-label='edit provider sim-openai']")
        params = editing.find_element(By.CSS_SELECTOR, "textarea[name=default_params]")
        params.clear(); params.send_keys("top_p: 0.9")
        editing.find_element(By.XPATH, ".//button[text()='Save provider']").click()
        self.wait.until(lambda d: "must be a JSON object" in d.find_element(By.CSS_SELECTOR, "form[aria-label='edit provider sim-openai'] [data-error-for=default_params]").text)
        self.shots("providers-edit")
        editing.find_element(By.XPATH, ".//button[text()='Close']").click()

        # A known provider in one step.
        Select(self.css("select[name=preset]")).select_by_value("groq")
        d.find_element(By.XPATH, "//form[@aria-labelledby='preset-title']//button[text()='Add']").click()
        self.css("section[aria-label='provider groq']")
        self.wait.until(lambda d: "preset groq" in d.find_element(By.CSS_SELECTOR, "section[aria-label='provider groq'] .note").text)
        # A refused base URL shows its error next to the field.
        d.find_element(By.CSS_SELECTOR, "input[name=slug]").send_keys("local")
        d.find_element(By.CSS_SELECTOR, "input[name=base_url]").send_keys("http://127.0.0.1:9/v1")
        d.find_element(By.XPATH, "//button[text()='Add provider']").click()
        self.wait.until(lambda d: "loopback" in d.find_element(By.CSS_SELECTOR, "[data-error-for=base_url]").text)
        self.shots("providers")
