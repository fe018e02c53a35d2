import type { Result } from '../shared/result.ts';
import type { InstallFailure, InstallProgress, InstallSummary } from './packageInstaller.ts';

/** One progress line, e.g. `InProgress: 7/18 components`. */
export function formatInstallProgress(progress: InstallProgress): string {
  return `${progress.status}: ${progress.deployed}/${progress.total} components`;
}

const PERMISSION_SET_TEXT: Record<InstallSummary['permissionSet'], string> = {
  assigned: 'assigned to the integration user',
  already_assigned: 'already assigned to the integration user',
  skipped_check_only: 'not assigned (check only)',
};

/** What happened, for a person at a terminal. */
export function formatInstallResult(result: Result<InstallSummary, InstallFailure>): string {
  if (result.ok) {
    const s = result.value;
    const head = s.checkOnly
      ? `✔ Validation passed: ${s.componentsTotal} components would deploy cleanly (nothing was changed). Run \`cosell salesforce install\` to deploy them.`
      : `✔ Installed the Partner Center fields: ${s.componentsDeployed}/${s.componentsTotal} components deployed (deployment ${s.deployId}).`;
    return `${head}\n  Permission set Cosell_Connector_Integration: ${PERMISSION_SET_TEXT[s.permissionSet]}.`;
  }
  const e = result.error;
  const lines = [`✖ ${e.message}`];
  for (const failure of e.componentFailures) {
    lines.push(`  - ${failure.type ? `${failure.type} ` : ''}${failure.component}: ${failure.problem}`);
  }
  return lines.join('\n');
}
