/** The ten standard opportunity stages of a new org, with the values the platform derives from them. */
export interface OpportunityStageDef {
  apiName: string;
  probability: number;
  forecastCategoryName: 'Pipeline' | 'Closed' | 'Omitted';
  isClosed: boolean;
  isWon: boolean;
}

const open = (apiName: string, probability: number): OpportunityStageDef => ({
  apiName,
  probability,
  forecastCategoryName: 'Pipeline',
  isClosed: false,
  isWon: false,
});

export const OPPORTUNITY_STAGES: readonly OpportunityStageDef[] = [
  open('Prospecting', 10),
  open('Qualification', 10),
  open('Needs Analysis', 20),
  open('Value Proposition', 50),
  open('Id. Decision Makers', 60),
  open('Perception Analysis', 70),
  open('Proposal/Price Quote', 75),
  open('Negotiation/Review', 90),
  { apiName: 'Closed Won', probability: 100, forecastCategoryName: 'Closed', isClosed: true, isWon: true },
  { apiName: 'Closed Lost', probability: 0, forecastCategoryName: 'Omitted', isClosed: true, isWon: false },
];

export function stageNamed(apiName: string): OpportunityStageDef | undefined {
  return OPPORTUNITY_STAGES.find((stage) => stage.apiName === apiName);
}
