/**
 * Salesforce REST as the seller (the admin user) for the chaos run: every call carries the emulator's
 * no-faults header, because the seller's own edits must land while the connector's calls are failing, and a
 * session expired by the run is replaced with a fresh one from the control API.
 */
import { NO_FAULTS_HEADER } from '../../emulators/shared/faultInjector.ts';
import { SALESFORCE_API_VERSION } from '../../src/salesforce/salesforceConnection.ts';
import { emulatorControl } from '../../src/sandbox/emulatorControl.ts';

type Row = Record<string, unknown>;

export class SellerRest {
  private token: Promise<string> | null = null;
  private readonly dataPath = `/services/data/v${SALESFORCE_API_VERSION}`;

  constructor(private readonly salesforceUrl: string) {}

  private accessToken(renew = false): Promise<string> {
    if (renew || !this.token)
      this.token = emulatorControl(this.salesforceUrl, 'POST', '/__emulator/token').then((answer) =>
        String(answer['access_token']),
      );
    return this.token;
  }

  async request<T = Row>(method: string, path: string, body?: unknown): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      const token = await this.accessToken(attempt > 1);
      const response = await fetch(`${this.salesforceUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          [NO_FAULTS_HEADER]: '1',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      if (response.status === 401 && attempt === 1) continue;
      if (!response.ok)
        throw new Error(`seller ${method} ${path} answered ${response.status}: ${text.slice(0, 300)}`);
      return (text ? JSON.parse(text) : {}) as T;
    }
  }

  async create(object: string, fields: Row): Promise<string> {
    const answer = await this.request<{ id: string }>('POST', `${this.dataPath}/sobjects/${object}`, fields);
    return answer.id;
  }

  async update(object: string, id: string, fields: Row): Promise<void> {
    await this.request('PATCH', `${this.dataPath}/sobjects/${object}/${id}`, fields);
  }

  /** Every row of a SOQL query (following nextRecordsUrl). */
  async query(soql: string): Promise<Row[]> {
    const rows: Row[] = [];
    let page = await this.request<{ records: Row[]; nextRecordsUrl?: string }>(
      'GET',
      `${this.dataPath}/query?q=${encodeURIComponent(soql)}`,
    );
    rows.push(...page.records);
    while (page.nextRecordsUrl) {
      page = await this.request('GET', page.nextRecordsUrl);
      rows.push(...page.records);
    }
    return rows;
  }
}
