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
];

/** {message, detail}: the words to show, and the API's own code and message (or null). */
export function plain(error) {
  const technical = error && error.code ? `${error.code}: ${error.message}` : null;
  const code = error && error.code;
  const raw = (error && error.message) || String(error);
  for (const [pattern, words] of byWords) if (pattern.test(raw)) return { message: words, detail: technical };
  if (code && byCode[code]) return { message: byCode[code], detail: technical };
  // invalid_<field>: the API's message already names the field and the rule.
  return { message: raw, detail: code && !code.startsWith('invalid_') ? technical : null };
}
