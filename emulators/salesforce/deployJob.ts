/** A Metadata API deployment as the emulator tracks it between `deploy` and `checkDeployStatus` polls. */
export interface ComponentOutcome {
  componentType: string;
  fullName: string;
  fileName: string;
  success: boolean;
  created: boolean;
  problem: string | null;
}

export interface DeployJob {
  id: string;
  createdDate: string;
  completedDate: string | null;
  checkOnly: boolean;
  rollbackOnError: boolean;
  /** How many times the status was checked; the job finishes on the second check. */
  polls: number;
  status: 'Pending' | 'InProgress' | 'Succeeded' | 'SucceededPartial' | 'Failed';
  components: ComponentOutcome[];
  /** An error that failed the whole deployment (e.g. a zip without package.xml). */
  errorMessage: string | null;
}
