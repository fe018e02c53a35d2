/**
 * MSAL's HTTP transport over undici, for an identity endpoint whose TLS certificate comes from a CA
 * the process does not trust by default (the Entra ID emulator's test CA). The CA is trusted by this
 * dispatcher only; nothing process-wide changes (never NODE_TLS_REJECT_UNAUTHORIZED).
 */
import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';
import { type Dispatcher, fetch } from 'undici';

export function createMsalNetworkClient(dispatcher: Dispatcher, timeoutMs: number): INetworkModule {
  const send = async <T>(
    url: string,
    method: 'GET' | 'POST',
    options?: NetworkRequestOptions,
  ): Promise<NetworkResponse<T>> => {
    const response = await fetch(url, {
      method,
      dispatcher,
      signal: AbortSignal.timeout(timeoutMs),
      ...(options?.headers ? { headers: options.headers } : {}),
      ...(options?.body === undefined ? {} : { body: options.body }),
    });
    const headers: Record<string, string> = {};
    response.headers.forEach((value, key) => {
      headers[key] = value;
    });
    const text = await response.text();
    let body: unknown = {};
    try {
      body = text === '' ? {} : JSON.parse(text);
    } catch {
      body = { error: 'invalid_response', error_description: text.slice(0, 300) };
    }
    return { status: response.status, headers, body: body as T };
  };
  return {
    sendGetRequestAsync: (url, options) => send(url, 'GET', options),
    sendPostRequestAsync: (url, options) => send(url, 'POST', options),
  };
}
