/** The UpstreamError a promise rejects with; fails the test when it resolves or rejects with anything else. */
import { UpstreamError } from '../../src/shared/upstreamError.ts';

export async function rejectionOf(promise: Promise<unknown>): Promise<UpstreamError> {
  const outcome = await promise.then(
    (value) => ({ resolved: value }),
    (error: unknown) => ({ error }),
  );
  if (!('error' in outcome)) throw new Error(`Expected a rejection, got ${JSON.stringify(outcome.resolved)}`);
  if (!(outcome.error instanceof UpstreamError)) throw outcome.error;
  return outcome.error;
}
