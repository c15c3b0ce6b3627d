// One mapping from the API's error codes to words a user acts on, in the dashboard's own
// terms (buttons and pages by their names). The API's message stays available as the
// technical detail line. Codes: docs/api.md ("Errors").
const byCode = {
  job_running: 'You already have a job running. Follow or cancel it in “Running jobs” at the top, or tick “Queue it after the running job”.',
  job_limit: 'You have started as many jobs as allowed this hour. Try again later.',
  eval_running: 'This eval is still running. Judge it once it has finished.',
  job_finished: 'This job has already finished.',
  duplicate_slug: 'You already have a provider with this id. Choose another id.',
  duplicate_model: 'This provider already has that model.',
  duplicate_case: 'Two cases have the same id. Give each case its own id.',
  too_many_cases: 'This suite has more cases than allowed. Split it into smaller suites.',
  authentication_required: 'Your session has ended. Sign in again.',
  invalid_token: 'Your session has ended. Sign in again.',
  refresh_failed: 'Your session has ended. Sign in again.',
  bad_credentials: 'The email or the password is wrong.',
  too_many_attempts: 'Too many sign-in attempts. Wait a minute, then try again.',
  account_disabled: 'This account is disabled. Ask an admin.',
  registration_closed: 'New accounts need an invitation. Ask an admin for one.',
  invalid_invite: 'This invitation is not valid (used, expired or mistyped).',
  email_taken: 'An account with this email exists. Sign in instead.',
  admin_only: 'Only an admin can do this.',
  last_admin: 'This is the last admin: make someone else an admin first.',
  not_found: 'It no longer exists (it may have been deleted).',
  body_too_large: 'That is too large to send.',
  schedule_failed: 'This schedule cannot run as it is (its models, suite or judge changed since it was saved): edit it, then run it again.',
  damaged_record: 'A stored record is damaged. Saving it again usually repairs it.',
  still_running: 'This tuning run is still running: cancel it first (or wait for it to end).',
  finished: 'This tuning run finished. To try more configurations, start a new run.',
};

// Messages that still speak the API's language, recognised by their words.
const byWords = [
  [/PUT \/api\/settings\/judge|no judge model/i, 'Choose a judge model first: Judge page, “Judge model”.'],
  [/interval_hours \(1–720\) or cron, not both/, 'Give either “Every N hours” or a cron expression (one of the two).'],
  [/"queue": true/, byCode.job_running],
  // A required text left empty, as the API's schema words it ("name: shorter than 1 characters").
  [/shorter than 1 characters?$/, 'Fill this in: it cannot be empty.'],
  // Tool eval suites (pages/evals.js).
  [/is not one of the suite's tools/, 'An expected call names a tool the suite does not offer: add that tool under Tools and save the suite first, or choose another tool.'],
  [/function\.name: does not match pattern/, 'Use only letters, digits and _ . - in a tool name (no spaces).'],
  // Tuning (pages/tuning.js): the budget's refusals name the numbers, so the words do too.
  [/one trial and the confirmation need (\d+) calls/, (m) => `Too few calls: one trial and the confirmation need ${m[1]}. Raise “Max calls” to at least ${m[1]}, or untick “Confirm the best”.`],
  [/one trial and the confirmation may cost up to \$([\d.]+)/, (m) => `Too little money: one trial and the confirmation may cost up to $${m[1]}. Raise “Max USD” to at least that, or untick “Confirm the best”.`],
  [/the model has no prices, so spending cannot be counted/, 'This model has no prices, so a limit in dollars cannot be kept: give it prices under Providers & keys, or leave “Max USD” empty.'],
  [/the suite has no cases to score a configuration on/, 'This suite has no cases yet: add some on the Tool eval page first.'],
  [/makes (\d+) values; at most (\d+)/, (m) => `This range makes ${m[1]} values, more than ${m[2]}: use a bigger step.`],
  [/a grid needs a step \(or values\) for every parameter/, 'Grid search tries every value, so every range needs a step (or use a list of values); or choose TPE or random.'],
  [/give the prompts to try as "values"/, 'Give the system prompts to try as a list of values (one per line), not as a range.'],
];

/** {message, detail}: the words to show, and the API's own code and message (or null). */
export function plain(error) {
  const technical = error && error.code ? `${error.code}: ${error.message}` : null;
  const code = error && error.code;
  const raw = (error && error.message) || String(error);
  for (const [pattern, words] of byWords) {
    // Words may be a function of the match, to repeat the numbers the API gave.
    const match = raw.match(pattern);
    if (match) return { message: typeof words === 'function' ? words(match) : words, detail: technical };
  }
  if (code && byCode[code]) return { message: byCode[code], detail: technical };
  // invalid_<field>: the API's message already names the field and the rule.
  return { message: raw, detail: code && !code.startsWith('invalid_') ? technical : null };
}
