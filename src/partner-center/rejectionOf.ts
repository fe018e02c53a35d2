/** Test support: awaits a promise that must reject with an UpstreamError and returns that error. */
import { UpstreamError } from '../shared/upstreamError.ts';

export async function rejectionOf(promise: Promise<unknown>): Promise<UpstreamError> {
  const error = await promise.then(
    () => null,
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof UpstreamError)) throw new Error(`expected an UpstreamError, got ${String(error)}`);
  return error;
}
