/** One thing wrong with the configuration: where, what, and what to do about it. */
export interface ConfigProblem {
  /** Dotted config path (e.g. `store.url`) or an environment variable name. */
  path: string;
  message: string;
  hint?: string;
  /** 1-based line in the config file, when the problem comes from the file. */
  line?: number;
}

export function formatConfigProblems(problems: readonly ConfigProblem[], fileName: string | null): string {
  const where = fileName ?? 'configuration';
  const lines = [`${where}: ${problems.length} problem${problems.length === 1 ? '' : 's'}`];
  for (const problem of problems) {
    const at = problem.line === undefined ? problem.path : `${problem.path} (line ${problem.line})`;
    lines.push(`  ✖ ${at}: ${problem.message}`);
    if (problem.hint) lines.push(`      → ${problem.hint}`);
  }
  return lines.join('\n');
}

/** Thrown by loadConfig when anything is wrong; carries every problem at once. */
export class ConfigError extends Error {
  readonly problems: readonly ConfigProblem[];
  readonly fileName: string | null;
  constructor(problems: readonly ConfigProblem[], fileName: string | null) {
    super(formatConfigProblems(problems, fileName));
    this.name = 'ConfigError';
    this.problems = problems;
    this.fileName = fileName;
  }
}
