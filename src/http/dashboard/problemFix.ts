/** The next step for a deal's error or a dead-lettered job, by error code or upstream error kind. */

const BY_CODE: Readonly<Record<string, string>> = {
  currency_mismatch:
    'Change the currency on the referral in Partner Center, or turn on multiple currencies in Salesforce; then retry.',
  auth: 'Sign in again with `cosell connect partner-center` or `cosell connect salesforce` (the message says which), then retry.',
  rate_limited:
    'The API allowance is used up for now: retry once it resets. The worker slows down by itself meanwhile.',
  transient:
    'A service did not answer in time: retry. If it keeps failing, run `cosell doctor` to check both connections.',
  conflict: 'Both sides changed at the same time: retry; the next sync merges the newest values.',
  permanent:
    'The write was refused and will not succeed as it is: correct the record or the mapping as the message says, then retry.',
  mapping_invalid: 'Correct the mapping file (run `cosell mapping test`), restart the connector, then retry.',
  transform_failed:
    'Correct the JSONata transform in the mapping file (run `cosell mapping test`), then retry.',
};

const VALIDATION =
  'Correct the opportunity in Salesforce as the message says; the next poll picks it up, or press Retry.';

/** A sentence saying what to do about an error with this code (link errors) or kind (dead letters). */
export function problemFix(codeOrKind: string): string {
  return BY_CODE[codeOrKind] ?? VALIDATION;
}

/** The fix for a paused connection, from its recorded reason. */
export function pausedConnectionFix(reason: string | null): string {
  return /salesforce/i.test(reason ?? '')
    ? 'Run `cosell connect salesforce` and sign in again; syncing resumes by itself after the next successful sync.'
    : 'Run `cosell connect partner-center` and sign in again; syncing resumes by itself after the next successful sync.';
}
