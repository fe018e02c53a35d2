/** One finding of a health check (`cosell doctor`, the dashboard's Overview): what was checked, and the fix when not ok. */
export interface HealthCheck {
  check: string;
  ok: boolean;
  severity: 'error' | 'warning' | 'info';
  detail: string;
  fix: string | null;
}
