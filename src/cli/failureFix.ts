/**
 * The fix a failed doctor check names when the cause is one a person can put right here: the encryption key
 * (missing, or not the one the sign-in was stored with), a refused or unresolvable address, an untrusted
 * certificate, a URL that is not the API, or Salesforce answering without an error message. Null when none of
 * these is the cause, so the caller keeps its own, narrower advice.
 */
import { EMPTY_BODY_EXPLANATION } from '../salesforce/classifySalesforceError.ts';
import { SECRET_KEY_ENV, SecretBoxError } from '../store/secretBox.ts';

/** The setting whose URL the failed call went to, and what it normally is. */
export interface Endpoint {
  setting: string;
  url: string;
  usual: string;
}

const NETWORK_CODES =
  /\b(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET|EHOSTUNREACH|ENETUNREACH|UND_ERR_CONNECT_TIMEOUT|UND_ERR_SOCKET|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|CERT_HAS_EXPIRED|ERR_TLS_CERT_ALTNAME_INVALID)\b/;

/** Every error in the chain (cause, AggregateError's errors), the error itself first. */
function chain(error: unknown, depth = 0): unknown[] {
  if (depth > 6 || typeof error !== 'object' || error === null) return [error];
  const { cause, errors } = error as { cause?: unknown; errors?: unknown };
  const nested = [...(cause === undefined ? [] : [cause]), ...(Array.isArray(errors) ? errors : [])];
  return [error, ...nested.flatMap((inner) => chain(inner, depth + 1))];
}

/** The network failure code (ECONNREFUSED, ENOTFOUND, a TLS code…) anywhere in the error, or null. */
export function networkCodeOf(error: unknown): string | null {
  for (const link of chain(error)) {
    const code = (link as { code?: unknown } | null)?.code;
    if (typeof code === 'string' && NETWORK_CODES.test(code)) return code;
    const message = link instanceof Error ? link.message : typeof link === 'string' ? link : '';
    const found = NETWORK_CODES.exec(message);
    if (found?.[1]) return found[1];
  }
  return null;
}

function keyFix(error: SecretBoxError): string {
  if (error.code === 'missing_key')
    return `export ${SECRET_KEY_ENV} with the key the connector's sign-ins were stored with (the same value as for \`cosell serve\`); if that key is lost, set a new one and sign in again with \`cosell connect partner-center\` and \`cosell connect salesforce\``;
  if (error.code === 'invalid_key') return `${SECRET_KEY_ENV} is not a valid key: ${error.message}`;
  return `the stored sign-in was encrypted with another key: set ${SECRET_KEY_ENV} back to that key, or sign in again (\`cosell connect partner-center\` / \`cosell connect salesforce\`) to store it under this one`;
}

function networkFix(code: string, endpoint: Endpoint): string {
  const host = URL.canParse(endpoint.url) ? new URL(endpoint.url).host : endpoint.url;
  if (code === 'ECONNREFUSED')
    return `nothing accepts connections at ${endpoint.setting} (${endpoint.url}): check its host and port (normally ${endpoint.usual}), and that no proxy or firewall stands in the way`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return `the host ${host} of ${endpoint.setting} does not resolve: check it for a typo (normally ${endpoint.usual}) and this machine's DNS`;
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ALTNAME/.test(code))
    return `the TLS certificate of ${host} (${endpoint.setting}) is not trusted (${code}): if a proxy inspects TLS, give its CA with NODE_EXTRA_CA_CERTS; otherwise check that ${endpoint.setting} names the right host (normally ${endpoint.usual})`;
  return `${host} (${endpoint.setting}) did not answer in time (${code}): check this machine's network and proxy settings (HTTPS_PROXY), then run \`cosell doctor\` again`;
}

/** Status 404 / 405, or an HTML page where an API answer was expected: the URL names something else. */
function isWrongUrl(error: unknown): boolean {
  return chain(error).some((link) => {
    const status =
      (link as { status?: unknown; statusCode?: unknown } | null)?.status ??
      (link as { statusCode?: unknown } | null)?.statusCode;
    const message = link instanceof Error ? link.message : '';
    return (
      status === 404 ||
      status === 405 ||
      /<html|<!doctype html|\bNOT_FOUND\b|\b404 Not Found\b/i.test(message)
    );
  });
}

/** A Salesforce answer with no error message: the client edge says so in the error it classified. */
export function isEmptySalesforceError(error: unknown): boolean {
  return chain(error).some((link) => link instanceof Error && link.message.includes(EMPTY_BODY_EXPLANATION));
}

export function failureFix(error: unknown, endpoint: Endpoint): string | null {
  const keyError = chain(error).find((link): link is SecretBoxError => link instanceof SecretBoxError);
  if (keyError) return keyFix(keyError);
  const code = networkCodeOf(error);
  if (code) return networkFix(code, endpoint);
  if (isWrongUrl(error))
    return `${endpoint.setting} (${endpoint.url}) answered as if it were not the API: check the URL (normally ${endpoint.usual})`;
  return null;
}

/** For a failed Salesforce sign-in or call: the fixes above, and one for an answer without any message. */
export function salesforceFailureFix(error: unknown, endpoint: Endpoint): string | null {
  const fix = failureFix(error, endpoint);
  if (fix) return fix;
  return isEmptySalesforceError(error)
    ? `Salesforce answered without saying what was wrong, which Salesforce itself rarely does: open ${endpoint.url} in a browser from this machine; if it is not your org's login page, set ${endpoint.setting} to it (normally ${endpoint.usual}); if a proxy answers, let it pass *.salesforce.com (or set NO_PROXY); then run \`cosell doctor\` again`
    : null;
}
