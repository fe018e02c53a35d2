/** The wait before the next Salesforce poll: the interval, or ten times it once API use passes the budget ratio. */
export function pollDelayFor(
  usage: { used: number; max: number } | null,
  budgetRatio: number,
  intervalMs: number,
): number {
  const over = usage !== null && usage.max > 0 && usage.used / usage.max >= budgetRatio;
  return over ? intervalMs * 10 : intervalMs;
}
