/** Org-wide switches that change the schema, set through `POST /__emulator/org-settings`. */
export interface OrgSettings {
  teamSelling: boolean;
  multiCurrency: boolean;
  currencies: string[];
  defaultCurrency: string;
  notesEnabled: boolean;
}

export function defaultOrgSettings(): OrgSettings {
  return {
    teamSelling: true,
    multiCurrency: false,
    currencies: ['USD'],
    defaultCurrency: 'USD',
    notesEnabled: true,
  };
}
