/**
 * Is anything answering at a webhook URL? Any HTTP response counts (the receiver answers only
 * signed POSTs, so a GET may well get 404); a refused connection, an unknown host, a TLS failure or
 * no answer in time does not.
 */
import { fetch } from 'undici';

export type ProbeResult = { ok: true; status: number } | { ok: false; reason: string };

export async function probeReceiver(url: string, timeoutMs = 5_000): Promise<ProbeResult> {
  try {
    const response = await fetch(url, { method: 'GET', signal: AbortSignal.timeout(timeoutMs) });
    await response.body?.cancel();
    return { ok: true, status: response.status };
  } catch (error) {
    const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
    const code = typeof cause?.code === 'string' ? cause.code : null;
    if ((error as { name?: unknown }).name === 'TimeoutError')
      return { ok: false, reason: `no answer within ${timeoutMs} ms` };
    return {
      ok: false,
      reason: code ?? (typeof cause?.message === 'string' ? cause.message : String(error)),
    };
  }
}
