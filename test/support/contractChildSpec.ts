/** How the contract suite tells queueContractChild.ts what to open and what to do. No test framework here. */

export type ContractChildSpec =
  | { kind: 'embedded'; path: string }
  | { kind: 'pgBoss'; url: string; schema: string; storeSchema: string };

export const CONTRACT_CHILD_ENV = 'COSELL_QUEUE_CONTRACT_CHILD';
export const KILL_JOB_NAME = 'contract-killed-worker';
export const CROSS_PROCESS_JOB_NAME = 'contract-cross-process';
/** What the child does: claim one job and hang (`kill`), or work the cross-process load (`load`). */
export type ContractChildMode = 'kill' | 'load';
export const CONTRACT_CHILD_MODE_ENV = 'COSELL_QUEUE_CONTRACT_MODE';

/** Simulated work for the cross-process test: long enough that both processes get a share. */
export const crossProcessWork = () => new Promise<void>((resolve) => setTimeout(resolve, 2));
