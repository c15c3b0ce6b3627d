"""Prompt tuning and the prompt library in a real browser (harness.py): on the Tuning page a
new user chooses "Tune the system prompt", sees a refused request next to its field, starts
an evolutionary run whose candidate prompts fill the table live and which ends with the
headline, the lineage of the best and a link to the saved prompt; the saved prompt opens on
the Prompts page as source "tuner". A writer that cannot write prompts fails the run with
words saying why. On the Prompts page: the empty state, a prompt added by hand and one
derived from it, an import refused in words then two imported from a file, a label filter,
a rename and a delete.

    cd Tests/e2e && python -m unittest test_prompt_tuning -v
"""
import json
import os
import time
import unittest

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

from harness import DashboardCase
from test_keyboard import TAG_VISIBLE

# The tuning surface (docs/simulator.md): tool calling depends on the system prompt too
# ("exactly one tool", "call the tool that matches"); 20 ms a call. The simulator's writer
# proposes prompts from a pool of sentences and varies the best ones it is shown.
TARGET = "sim-ttft20-gap1-toolssurface"
WRITER = "sim-ttft5-gap1-promptwriter"
CITIES = ["Paris", "London", "Berlin", "Madrid", "Rome", "Vienna", "Prague", "Lisbon", "Dublin", "Oslo", "Warsaw", "Athens",
          "Bern", "Sofia", "Riga", "Tallinn"]
SUITE = {"name": "weather", "description": "Sixteen cities", "system_prompt": "Use the tools when they help.",
         "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Weather for a city", "parameters": {
             "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}],
         "cases": [{"id": c.lower(), "prompt": f"Call get_weather for {c}",
                    "expected_calls": [{"name": "get_weather", "arguments": {"city": c}}]} for c in CITIES]}
VERDICTS = ("better than the baseline prompt", "worse than the baseline prompt", "no significant improvement over the baseline prompt")


class PromptTuningTest(DashboardCase):
    # The refused survivors and the refused import, provoked on purpose.
    expected_console = ["the server responded with a status of 400", "the server responded with a status of 422"]

    # ——— helpers ———
    def click(self, element):
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
        element.click()

    def set_value(self, element, text):
        element.send_keys(Keys.CONTROL, "a")
        element.send_keys(Keys.DELETE)
        if text:
            element.send_keys(text)

    def field(self, name, form="prompt-form"):
        return self.driver.find_element(By.CSS_SELECTOR, f"#{form} [name='{name}']")

    def error_of(self, name, form="prompt-form"):
        return self.driver.find_element(By.CSS_SELECTOR, f"#{form} [data-error-for='{name}']")

    def show(self, selector):
        self.driver.execute_script("document.querySelector(arguments[0]).scrollIntoView({block: 'start'})", selector)
        time.sleep(0.1)

    def shots_of(self, name, selector):
        self.show(selector)
        self.shots(name, after_resize=lambda: self.show(selector))

    def trial_rows(self, view="tune"):
        return [r for r in self.driver.find_elements(By.CSS_SELECTOR, f"#{view}-trials tbody tr") if r.text]

    def prompt_rows(self):
        return self.driver.find_elements(By.CSS_SELECTOR, "#prompts-list tbody tr")

    def prepared_user(self):
        """A new user with the surface model, the simulator's writer and a suite of 16 cases."""
        email = self.new_user("tuning")
        self.studio.add_model(TARGET, email=email)
        self.studio.add_model(WRITER, email=email)
        suite = self.studio.request("POST", "/api/suites", SUITE, email=email, expect=201)
        return email, suite

    def choose_prompt_tuning(self):
        d = self.driver
        self.go("tuning")
        self.click(self.css("#tune-what-prompt"))
        self.wait.until(lambda d: d.find_element(By.ID, "prompt-form").is_displayed())
        self.assertFalse(d.find_element(By.ID, "tune-form").is_displayed(), "one form at a time")
        self.assertIn("what=prompt", d.current_url)

    def assert_labelled(self):
        unlabelled = self.driver.execute_script(
            "return [...document.querySelectorAll('#main input, #main select, #main textarea')]"
            ".filter(e => e.type !== 'hidden' && !(e.labels && e.labels.length) && !e.getAttribute('aria-label')).map(e => e.outerHTML)")
        self.assertEqual(unlabelled, [], "controls without a label")

    def assert_keyboard_reaches_everything(self):
        d = self.driver
        labels = d.execute_script(TAG_VISIBLE)
        d.execute_script("document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0)")
        d.find_element(By.TAG_NAME, "body").click()
        reached = set()
        for _ in range(len(labels) + 40):
            ActionChains(d).send_keys(Keys.TAB).perform()
            index = d.execute_script("return document.activeElement && document.activeElement.dataset.kb")
            if index is not None:
                if index in reached and len(reached) == len(labels):
                    break
                reached.add(index)
        radios = d.execute_script("return [...document.querySelectorAll('[data-kb]')].map((e) => e.type === 'radio' ? e.name : null)")
        groups = {radios[int(i)] for i in reached if radios[int(i)]}
        left = [labels[i] for i in range(len(labels)) if str(i) not in reached and not (radios[i] and radios[i] in groups)]
        self.assertEqual(left, [], "not reachable with Tab")

    # ——— the tests ———
    def test_an_evolutionary_prompt_run_from_the_form_to_the_library(self):
        d = self.driver
        email, suite = self.prepared_user()
        self.go("tuning")
        # The choice at the top: parameters (as before) or the system prompt.
        self.assertTrue(self.css("#tune-what-params").is_selected(), "parameters are the default")
        self.assertIn("Tune the system prompt", d.find_element(By.CSS_SELECTOR, ".tune-what").text)
        self.choose_prompt_tuning()
        Select(self.css("#pt-model")).select_by_value(f"sim-openai/{TARGET}")
        self.assertEqual(Select(d.find_element(By.ID, "pt-writer")).first_selected_option.get_attribute("value"), f"sim-openai/{WRITER}",
                         "the simulator's writer is offered first")
        self.assertIn("a model that writes candidate prompts; any model you have", d.find_element(By.ID, "pt-writer-hint").text.lower())
        self.assertEqual(self.field("baseline_prompt").get_attribute("value"), SUITE["system_prompt"], "the suite's prompt is the one to beat")
        self.assertIn("Your prompt library is empty", d.find_element(By.ID, "pt-seeds").text)
        self.assertFalse(d.find_elements(By.ID, "pt-empty"), "nothing is missing")
        self.assert_labelled()
        self.shots_of("prompt-tuning-form", "#prompt-form")

        # Evolutionary: its own fields; survivors as many as the population is refused next to Survivors.
        self.click(d.find_element(By.ID, "pt-mode-evolutionary"))
        self.assertFalse(d.find_element(By.ID, "pt-quick").is_displayed())
        self.set_value(self.field("population"), "3")
        self.set_value(self.field("generations"), "2")
        self.set_value(self.field("survivors"), "3")
        self.set_value(self.field("params.temperature"), "0.6")
        self.set_value(self.field("params.top_p"), "0.9")
        self.set_value(self.field("labels"), "weather, v1")
        self.click(d.find_element(By.ID, "pt-start"))
        slot = self.error_of("survivors")
        self.wait.until(lambda d: "fewer than the population (3)" in slot.text)
        survivors = self.field("survivors")
        self.assertEqual(survivors.get_attribute("aria-invalid"), "true")
        self.assertEqual(d.switch_to.active_element, survivors, "the field in question has the focus")
        self.assertIn(slot.get_attribute("id"), survivors.get_attribute("aria-describedby"))
        self.assertEqual(self.studio.request("GET", "/api/tuning", email=email)["tuning_runs"], [], "nothing was started")
        self.shots_of("prompt-tuning-refused", "#prompt-form .mode")

        # The estimate in words, with the writer's calls: 6 prompts × 16 + 2 + 32 = 130.
        self.set_value(survivors, "2")
        self.click(d.find_element(By.ID, "pt-estimate-button"))
        self.wait.until(lambda d: "At most 130 calls" in d.find_element(By.ID, "pt-estimate").text)
        estimate = d.find_element(By.ID, "pt-estimate").text
        self.assertIn("2 calls to the writer", estimate)
        self.assertEqual(slot.text, "", "the old error went")

        # Trials fill live: rows seen before the headline.
        d.execute_script("""window.__seen = {rows: 0, headline: false, rowsBeforeHeadline: 0};
            new MutationObserver(() => {
              const rows = document.querySelectorAll('#tune-trials tbody tr').length;
              const head = document.getElementById('tune-headline');
              const shown = Boolean(head && !head.hidden);
              if (!shown) window.__seen.rowsBeforeHeadline = Math.max(window.__seen.rowsBeforeHeadline, rows);
              window.__seen.headline = window.__seen.headline || shown;
            }).observe(document.getElementById('main'), {subtree: true, childList: true, attributes: true});""")
        self.click(d.find_element(By.ID, "pt-start"))
        self.wait.until(lambda d: len(self.trial_rows()) >= 1)
        header = d.find_element(By.CSS_SELECTOR, "#tune-trials thead").text
        for column in ("trial", "score", "prompt", "origin", "repeats"):
            self.assertIn(column, header)
        self.assertNotIn("temperature", header, "the fixed parameters are said once, not a column each")
        self.assertIn("fixed: temperature 0.6, top_p 0.9", d.find_element(By.ID, "tune-about").text)
        self.assertIn(WRITER, d.find_element(By.ID, "tune-about").text)
        if not d.find_element(By.ID, "tune-headline").is_displayed():
            self.shot("prompt-tuning-running")

        # The end: the headline in words, the best beside the baseline, the lineage, the saved prompt.
        WebDriverWait(d, 120).until(lambda d: d.find_element(By.ID, "tune-headline").is_displayed())
        seen = d.execute_script("return window.__seen")
        self.assertGreaterEqual(seen["rowsBeforeHeadline"], 1, "trials appeared while the run went on")
        run = self.studio.request("GET", "/api/tuning", email=email)["tuning_runs"][0]
        self.assertEqual(run["kind"], "prompts")
        summary = run["summary"]
        headline = d.find_element(By.ID, "tune-headline").text
        self.assertTrue(headline.startswith(f"Best prompt (trial {summary['best']['trial']}): score "), headline)
        self.assertIn("95 % CI", headline)
        verdict = summary["confirmation"]["comparison"]["verdict"]
        self.assertIn({"better": VERDICTS[0], "worse": VERDICTS[1]}.get(verdict, VERDICTS[2]), headline)
        best_text = summary["best"]["config"]["system_prompt"]
        self.assertEqual(d.find_element(By.CSS_SELECTOR, "#tune-best-prompt .prompt-full").text, best_text)
        self.assertEqual(d.find_element(By.CSS_SELECTOR, "#tune-baseline-prompt .prompt-full").text, SUITE["system_prompt"])
        detail = self.studio.request("GET", f"/api/tuning/{run['id']}", email=email)
        texts = {t["trial"]: t["config"]["system_prompt"] for t in detail["trials"]}
        steps = d.find_elements(By.CSS_SELECTOR, "#tune-lineage li")
        self.assertEqual([int(s.get_attribute("data-trial")) for s in steps], summary["lineage"])
        for step in steps:
            # Its prompt, words taken out struck through (not part of it), words added underlined.
            shown = d.execute_script("const p = arguments[0].querySelector('.prompt-full').cloneNode(true);"
                                     "p.querySelectorAll('del').forEach((x) => x.remove()); return p.textContent", step)
            self.assertEqual(shown, texts[int(step.get_attribute("data-trial"))])
            self.assertIn("score ", step.text)
        self.assertEqual(len(self.trial_rows()), len(detail["trials"]))
        origins = " ".join(r.find_elements(By.TAG_NAME, "td")[3].text for r in self.trial_rows())
        self.assertIn("generation 1 · written fresh", origins)
        self.assertIn("generation 2 · built on trial", origins)
        self.assertEqual(d.find_element(By.CSS_SELECTOR, "#tune-trials tr.best").get_attribute("data-trial"), str(summary["best"]["trial"]))
        # A long prompt is cut in the table; "Show all" reads the rest.
        long = next(n for n, text in texts.items() if len(text) > 90)
        row = d.find_element(By.CSS_SELECTOR, f"#tune-trials tr[data-trial='{long}']")
        self.assertNotIn(texts[long], row.text)
        self.click(row.find_element(By.CSS_SELECTOR, "button.more"))
        self.wait.until(lambda d: texts[long] in d.find_element(By.CSS_SELECTOR, f"#tune-trials tr[data-trial='{long}']").text)
        self.assertEqual(d.find_element(By.CSS_SELECTOR, f"#tune-trials tr[data-trial='{long}'] button.more").get_attribute("aria-expanded"), "true")
        status = d.find_element(By.ID, "tune-status").text
        self.assertIn("Spent", status)
        self.wait.until(lambda d: d.find_element(By.ID, "pt-start").is_enabled())
        self.shots_of("prompt-tuning-done", "#tune-live")
        self.shots_of("prompt-tuning-done-table", "#tune-trials")

        # Past runs: its kind said; opened again it reads the same.
        self.wait.until(lambda d: "prompt" in d.find_element(By.CSS_SELECTOR, "#tune-past td[data-label=kind]").text)
        self.click(self.css("#tune-past button[aria-label='Open tuning run 1']"))
        self.wait.until(lambda d: d.find_element(By.ID, "tune-view-headline").text == headline)
        self.assertEqual(len(d.find_elements(By.CSS_SELECTOR, "#tune-view-lineage li")), len(summary["lineage"]))
        self.shots_of("prompt-tuning-past", "#tune-past")
        self.assert_keyboard_reaches_everything()

        # The saved prompt, on the Prompts page: source tuner, its labels, its whole text.
        saved = self.studio.request("GET", f"/api/prompts/{summary['library_id']}", email=email)
        self.click(d.find_element(By.ID, "tune-library-link"))
        self.wait.until(lambda d: d.find_elements(By.ID, "prompt-view-title") and d.find_element(By.ID, "prompt-view-title").text == saved["name"])
        self.assertEqual(d.find_element(By.ID, "prompt-view-text").text, best_text)
        view = d.find_element(By.ID, "prompt-view").text
        self.assertIn("tuner", view)
        self.assertIn("weather, v1", view.replace("tuner, ", ""))
        self.assertEqual(d.switch_to.active_element.get_attribute("id"), "prompt-view-title")
        row = self.prompt_rows()[0]
        self.assertEqual(row.find_element(By.CSS_SELECTOR, "td[data-label=source]").text, "tuner")
        self.shots_of("prompts-saved-by-the-tuner", "#prompt-view")

        # Back on the Tuning page, the saved prompt can seed the next run.
        self.go("tuning")
        self.click(self.css("#tune-what-prompt"))
        self.assertIn(saved["name"], self.css("#pt-seeds").text)

    def test_a_writer_that_cannot_write_prompts_fails_the_run_in_words(self):
        d = self.driver
        email, _ = self.prepared_user()
        self.choose_prompt_tuning()
        Select(self.css("#pt-model")).select_by_value(f"sim-openai/{TARGET}")
        # The target itself as the writer: it answers with prose, not a list of prompts.
        Select(d.find_element(By.ID, "pt-writer")).select_by_value(f"sim-openai/{TARGET}")
        self.set_value(self.field("candidates"), "2")
        self.click(d.find_element(By.ID, "pt-start"))
        self.wait.until(lambda d: "failed" in d.find_element(By.ID, "tune-status").text)
        status = d.find_element(By.ID, "tune-status").text
        self.assertIn("the writer gave no usable prompt in generation 1", status)
        self.assertIn("Choose a writer model that follows instructions", status)
        said = d.find_element(By.ID, "tune-writer-errors").text
        self.assertIn("Generation 1: the writer’s answer could not be used — it did not answer with the JSON list of prompts", said)
        self.assertIn("malformed: not a JSON object", said, "the writer's own answer, as the detail")
        self.assertFalse(d.find_element(By.ID, "tune-trials").is_displayed(), "no empty table of trials")
        self.wait.until(lambda d: d.find_element(By.ID, "pt-start").is_enabled())
        self.wait.until(lambda d: "failed" in d.find_element(By.ID, "tune-past").text)
        self.shots_of("prompt-tuning-writer-failed", "#tune-live")

    def test_a_prompt_run_followed_again_after_leaving_cancelled_and_resumed(self):
        d = self.driver
        email, _ = self.prepared_user()
        self.choose_prompt_tuning()
        Select(self.css("#pt-model")).select_by_value(f"sim-openai/{TARGET}")
        # Quick, 20 candidates: about 7 s of trials, time enough to leave and come back.
        self.set_value(self.field("candidates"), "20")
        self.click(d.find_element(By.ID, "pt-start"))
        self.wait.until(lambda d: len(self.trial_rows()) >= 1)
        # Away to the Prompts page and back: the run is followed again, under its own form.
        d.find_element(By.CSS_SELECTOR, "nav a[href='#/prompts']").click()
        self.wait.until(lambda d: "Tuning" in d.find_element(By.ID, "jobs").text)
        d.find_element(By.CSS_SELECTOR, "nav a[href='#/tuning']").click()
        self.wait.until(lambda d: d.find_elements(By.ID, "tune-about") and "quick: 20 prompts in one round" in d.find_element(By.ID, "tune-about").text)
        self.assertTrue(d.find_element(By.ID, "tune-what-prompt").is_selected())
        self.assertTrue(d.find_element(By.ID, "prompt-form").is_displayed())
        self.assertEqual(self.field("candidates").get_attribute("value"), "20", "the form shows what the run asked")
        self.assertFalse(d.find_element(By.ID, "pt-start").is_enabled(), "Start waits while a run goes on")
        self.wait.until(lambda d: len(self.trial_rows()) >= 2)
        self.click(d.find_element(By.ID, "tune-cancel"))
        self.wait.until(lambda d: "Cancelled after" in d.find_element(By.ID, "tune-status").text)
        self.assertIn("Best prompt so far: trial", d.find_element(By.ID, "tune-headline").text)
        self.assertIn("not yet compared with the baseline prompt", d.find_element(By.ID, "tune-headline").text)
        self.assertFalse(d.find_elements(By.ID, "tune-saved"), "a cancelled run saves nothing to the library")
        self.assertNotIn("null", d.find_element(By.ID, "tune-story").text)
        done = len(self.trial_rows())
        self.assertLess(done, 20)
        self.wait.until(lambda d: d.find_element(By.ID, "pt-start").is_enabled())
        self.shots_of("prompt-tuning-cancelled", "#tune-live")
        # Resumed to its end: the earlier prompts stay, the rest arrive, the verdict follows.
        self.click(self.css("#tune-resume-live"))
        self.wait.until(lambda d: len(self.trial_rows()) > done)
        WebDriverWait(d, 120).until(lambda d: d.find_element(By.ID, "tune-headline").is_displayed()
                                    and d.find_element(By.ID, "tune-headline").text.startswith("Best prompt (trial"))
        self.assertTrue(any(v in d.find_element(By.ID, "tune-headline").text for v in VERDICTS))
        run = self.studio.request("GET", "/api/tuning", email=email)["tuning_runs"][0]
        self.assertEqual(run["status"], "done")
        self.assertEqual(len(self.trial_rows()), run["summary"]["trials"])
        self.assertTrue(d.find_element(By.ID, "tune-library-link").is_displayed())

    def test_the_library_by_hand_import_filter_rename_and_delete(self):
        d = self.driver
        email = self.new_user("prompts")
        # Empty: where prompts come from and what to do.
        empty = self.css("#prompts-empty").text
        self.assertIn("Your prompt library is empty", empty)
        self.assertIn("prompt tuning run", empty)
        self.assertTrue(d.find_element(By.CSS_SELECTOR, "#prompts-empty a[href='#/tuning?what=prompt']").is_displayed())
        self.assertEqual(d.find_element(By.CSS_SELECTOR, "nav a[aria-current=page]").get_attribute("href").split("#")[1], "/prompts")
        self.assert_labelled()
        self.shots("prompts-empty")

        # Added by hand: opened at once, listed as manual.
        self.set_value(self.field("name", "prompt-add"), "one tool")
        self.set_value(self.field("text", "prompt-add"), "Call exactly one tool for each request.")
        self.set_value(self.field("labels", "prompt-add"), "weather, short")
        self.click(d.find_element(By.ID, "prompt-add-button"))
        self.wait.until(lambda d: d.find_elements(By.ID, "prompt-view-title") and d.find_element(By.ID, "prompt-view-title").text == "one tool")
        self.assertEqual(len(self.prompt_rows()), 1)
        self.assertEqual(self.prompt_rows()[0].find_element(By.CSS_SELECTOR, "td[data-label=source]").text, "manual")
        self.assertIn("not derived from another library prompt", d.find_element(By.ID, "prompt-lineage").text)
        # Copy: to the clipboard, or (where the browser refuses it) the text selected for Ctrl+C.
        self.click(d.find_element(By.ID, "prompt-copy"))
        self.wait.until(lambda d: d.find_element(By.ID, "prompt-copied").text in ("Copied.", "Selected: press Ctrl+C (⌘C) to copy."))

        # Derived from it: the add form filled in, the lineage shows both.
        self.click(d.find_element(By.ID, "prompt-derive"))
        self.assertEqual(self.field("text", "prompt-add").get_attribute("value"), "Call exactly one tool for each request.")
        self.assertEqual(Select(self.field("parent_id", "prompt-add")).first_selected_option.text, "one tool")
        text = self.field("text", "prompt-add")
        text.send_keys(Keys.END, " Read the request carefully, then call the tool that matches it.")
        self.set_value(self.field("name", "prompt-add"), "one tool, matched")
        self.click(d.find_element(By.ID, "prompt-add-button"))
        self.wait.until(lambda d: d.find_element(By.ID, "prompt-view-title").text == "one tool, matched")
        lineage = d.find_element(By.ID, "prompt-lineage").text
        self.assertIn("one tool · manual", lineage)
        self.assertIn("this prompt", lineage)
        self.assertEqual(d.find_element(By.CSS_SELECTOR, "#prompt-lineage li.current ins").text.strip(),
                         "Read the request carefully, then call the tool that matches it.", "what the new prompt added, marked")
        self.shots_of("prompts-derived", "#prompt-view")

        # An import refused in words: broken JSON, then an entry without its text.
        box = self.field("json", "prompt-import")
        self.set_value(box, '[{"name": "x", "text": ')
        self.click(d.find_element(By.ID, "prompt-import-button"))
        error = d.find_element(By.ID, "prompt-import-error")
        self.wait.until(lambda d: "This is not valid JSON" in error.text)
        self.assertEqual(box.get_attribute("aria-invalid"), "true")
        self.set_value(box, json.dumps([{"name": "fine", "text": "Be brief."}, {"name": "no text", "labels": ["x"]}]))
        self.click(d.find_element(By.ID, "prompt-import-button"))
        self.wait.until(lambda d: "Prompt 2 (“no text”) has no text." in error.text)
        # One the server refuses (a label of 51 characters), all or nothing: said by its entry.
        self.set_value(box, json.dumps([{"name": "fine", "text": "Be brief."}, {"name": "long label", "text": "t", "labels": ["x" * 51]}]))
        self.click(d.find_element(By.ID, "prompt-import-button"))
        self.wait.until(lambda d: "Prompt 2 (“long label”): a label is longer than 50 characters." in error.text)
        self.assertEqual(len(self.studio.request("GET", "/api/prompts", email=email)["prompts"]), 2, "nothing was imported")
        self.shots_of("prompts-import-refused", "#prompt-import")

        # Two imported from a file.
        path = os.path.join(self.studio.work, "prompts.json")
        with open(path, "w") as f:
            json.dump([{"name": "polite", "text": "You are a helpful assistant. Use the tools when they help.", "labels": ["weather", "imported"]},
                       {"name": "terse", "text": "Be concise. Prefer calling a tool over answering in prose.", "labels": ["imported"]}], f)
        self.field("file", "prompt-import").send_keys(path)
        self.wait.until(lambda d: '"polite"' in box.get_attribute("value"))
        self.click(d.find_element(By.ID, "prompt-import-button"))
        self.wait.until(lambda d: len(self.prompt_rows()) == 4)
        self.assertEqual(error.text, "")
        sources = sorted(r.find_element(By.CSS_SELECTOR, "td[data-label=source]").text for r in self.prompt_rows())
        self.assertEqual(sources, ["import", "import", "manual", "manual"])

        # Filtered by label.
        Select(d.find_element(By.ID, "prompts-label")).select_by_value("weather")
        self.wait.until(lambda d: len(self.prompt_rows()) == 3)
        self.assertIn("3 of 4 prompts have the label “weather”", d.find_element(By.ID, "prompts-count").text)
        Select(d.find_element(By.ID, "prompts-label")).select_by_value("imported")
        self.wait.until(lambda d: sorted(r.find_element(By.CSS_SELECTOR, "td[data-label=name]").text for r in self.prompt_rows()) == ["polite", "terse"])
        self.shots_of("prompts-filtered", "#prompts-list")

        # Renamed and relabelled (its text stays).
        self.click(d.find_element(By.CSS_SELECTOR, "#prompts-list button[aria-label='Open terse']"))
        self.wait.until(lambda d: d.find_element(By.ID, "prompt-view-title").text == "terse")
        self.click(d.find_element(By.CSS_SELECTOR, "#prompt-view details.edit-box summary"))
        self.set_value(self.field("name", "prompt-edit"), "terse, tools first")
        self.set_value(self.field("labels", "prompt-edit"), "imported, short")
        self.click(d.find_element(By.CSS_SELECTOR, "#prompt-edit button[type=submit]"))
        self.wait.until(lambda d: d.find_element(By.ID, "prompt-view-title").text == "terse, tools first")
        stored = next(p for p in self.studio.request("GET", "/api/prompts", email=email)["prompts"] if p["name"] == "terse, tools first")
        self.assertEqual(stored["labels"], ["imported", "short"])
        self.assertEqual(stored["text"], "Be concise. Prefer calling a tool over answering in prose.")
        self.shots_of("prompts-opened", "#prompt-view")

        # Deleted, after saying yes.
        d.execute_script("window.confirm = () => true")
        Select(d.find_element(By.ID, "prompts-label")).select_by_value("")
        self.wait.until(lambda d: len(self.prompt_rows()) == 4)
        self.click(d.find_element(By.CSS_SELECTOR, "#prompts-list button[aria-label='Delete polite']"))
        self.wait.until(lambda d: len(self.prompt_rows()) == 3)
        self.assertNotIn("polite", [p["name"] for p in self.studio.request("GET", "/api/prompts", email=email)["prompts"]])
        self.assert_keyboard_reaches_everything()
        self.shots_of("prompts-list", "#main")


if __name__ == "__main__":
    unittest.main(verbosity=2)
