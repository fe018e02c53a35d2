/**
 * Downloads a webhook signing certificate: no redirects, a size limit and a timeout, DER or PEM (a PEM
 * bundle may carry intermediates after the leaf). Successful downloads are cached by URL, and
 * concurrent requests for the same URL share one download. Only a few downloads run at once: deliveries
 * naming many different (allow-listed) URLs cannot make the connector hold many slow downloads open.
 */
import { X509Certificate } from 'node:crypto';
import { type Dispatcher, fetch } from 'undici';

export interface CertificateFetcherOptions {
  /** Default 10 000. */
  timeoutMs?: number;
  /** Default 16 KiB. */
  maxBytes?: number;
  /** How long a downloaded certificate is reused. Default 24 h. */
  cacheTtlMs?: number;
  /** Downloads of different URLs in progress at once; more fail at once (the sender retries). Default 4. */
  maxConcurrentDownloads?: number;
  /** An undici dispatcher, e.g. an Agent trusting the emulator's TLS CA. */
  dispatcher?: Dispatcher;
  now?: () => number;
}

export type FetchedCertificates =
  | { ok: true; certificates: X509Certificate[] }
  | { ok: false; error: { code: string; message: string } };

const MAX_CACHED_URLS = 32;

export class CertificateFetcher {
  private readonly cache = new Map<string, { certificates: X509Certificate[]; fetchedAtMs: number }>();
  private readonly inFlight = new Map<string, Promise<FetchedCertificates>>();
  private readonly timeoutMs: number;
  private readonly maxBytes: number;
  private readonly cacheTtlMs: number;
  private readonly maxConcurrentDownloads: number;
  private readonly now: () => number;

  constructor(private readonly options: CertificateFetcherOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.maxBytes = options.maxBytes ?? 16 * 1024;
    this.cacheTtlMs = options.cacheTtlMs ?? 86_400_000;
    this.maxConcurrentDownloads = options.maxConcurrentDownloads ?? 4;
    this.now = options.now ?? Date.now;
  }

  /** The URL must already have passed checkCertificateUrl. */
  async get(url: URL): Promise<FetchedCertificates> {
    const key = url.href;
    const cached = this.cache.get(key);
    if (cached && this.now() - cached.fetchedAtMs < this.cacheTtlMs)
      return { ok: true, certificates: cached.certificates };
    const pending = this.inFlight.get(key);
    if (pending) return pending;
    if (this.inFlight.size >= this.maxConcurrentDownloads)
      return failed(`${this.inFlight.size} other certificate downloads are in progress`);
    const download = this.download(url).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, download);
    const result = await download;
    if (result.ok) {
      if (this.cache.size >= MAX_CACHED_URLS) this.cache.delete(this.cache.keys().next().value as string);
      this.cache.set(key, { certificates: result.certificates, fetchedAtMs: this.now() });
    }
    return result;
  }

  private async download(url: URL): Promise<FetchedCertificates> {
    let bytes: Buffer;
    try {
      const response = await fetch(url, {
        redirect: 'manual',
        signal: AbortSignal.timeout(this.timeoutMs),
        ...(this.options.dispatcher ? { dispatcher: this.options.dispatcher } : {}),
      });
      if (response.status !== 200) {
        await response.body?.cancel();
        const redirected = response.status >= 300 && response.status < 400;
        return failed(
          redirected
            ? `the certificate server answered with a redirect (HTTP ${response.status}), which is not followed`
            : `the certificate server answered HTTP ${response.status}`,
        );
      }
      const declared = Number(response.headers.get('content-length') ?? Number.NaN);
      if (declared > this.maxBytes) {
        await response.body?.cancel();
        return failed(`the certificate is larger than ${this.maxBytes} bytes`);
      }
      const read = await readLimited(response.body, this.maxBytes);
      if (read === null) return failed(`the certificate is larger than ${this.maxBytes} bytes`);
      bytes = read;
    } catch (cause) {
      const timedOut =
        cause instanceof Error && (cause.name === 'TimeoutError' || cause.name === 'AbortError');
      const inner =
        cause instanceof Error && cause.cause instanceof Error ? cause.cause.message : String(cause);
      return failed(timedOut ? `no answer within ${this.timeoutMs} ms` : inner);
    }
    try {
      return { ok: true, certificates: parseCertificates(bytes) };
    } catch {
      return {
        ok: false,
        error: {
          code: 'certificate_invalid',
          message: 'The signing certificate could not be read as a DER or PEM X.509 certificate.',
        },
      };
    }
  }
}

/** One DER certificate, or every certificate of a PEM bundle (leaf first). */
export function parseCertificates(bytes: Buffer): X509Certificate[] {
  const text = bytes.toString('latin1');
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g);
  if (blocks === null) return [new X509Certificate(bytes)];
  return blocks.map((block) => new X509Certificate(block));
}

async function readLimited(
  body: ReadableStream<Uint8Array> | null,
  maxBytes: number,
): Promise<Buffer | null> {
  if (body === null) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

function failed(reason: string): FetchedCertificates {
  return {
    ok: false,
    error: {
      code: 'certificate_fetch_failed',
      message: `The signing certificate could not be downloaded: ${reason}. Partner Center will retry the delivery.`,
    },
  };
}
