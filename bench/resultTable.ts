/** Renders benchmark rows as a plain-text table (stdout) with each row's note listed underneath. */
import type { BenchRow } from './benchmark.ts';

const COLUMNS = ['#', 'benchmark', 'measure', 'n', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'per s', 'target'];
const NUMERIC = new Set(['#', 'n', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'per s']);

function formatNumber(value: number | undefined, digits: number): string {
  if (value === undefined || Number.isNaN(value)) return '';
  if (!Number.isFinite(value)) return '∞';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** Milliseconds with one decimal below 100 ms, whole numbers above (the extra digit is noise there). */
const formatMs = (value: number | undefined): string =>
  formatNumber(value, value !== undefined && value < 100 ? 1 : 0);

function cells(row: BenchRow, index: number): string[] {
  const latency = row.latency;
  return [
    String(index + 1),
    row.benchmark,
    row.measure,
    String(row.count),
    formatMs(latency?.p50Ms),
    formatMs(latency?.p95Ms),
    formatMs(latency?.p99Ms),
    formatMs(latency?.maxMs),
    // Rates under 1 a second (calls a day, say) keep three significant digits instead of reading as 0.0.
    formatNumber(row.perSecond, rateDigits(row.perSecond)),
    row.target ? `${row.target.text} ${row.target.met ? '✔' : '✖'}` : '',
  ];
}

export function formatResultTable(rows: readonly BenchRow[]): string {
  const body = rows.map(cells);
  const widths = COLUMNS.map((title, column) =>
    Math.max(title.length, ...body.map((line) => (line[column] ?? '').length)),
  );
  const render = (line: readonly string[]) =>
    line
      .map((cell, column) => {
        const width = widths[column] ?? 0;
        return NUMERIC.has(COLUMNS[column] ?? '') ? cell.padStart(width) : cell.padEnd(width);
      })
      .join('  ')
      .trimEnd();
  const lines = [render(COLUMNS), widths.map((width) => '-'.repeat(width)).join('  ')];
  for (const line of body) lines.push(render(line));
  const notes = rows.flatMap((row, index) => (row.note ? [`[${index + 1}] ${row.note}`] : []));
  if (notes.length > 0) lines.push('', ...notes);
  return lines.join('\n');
}

/** Decimal places for a rate: none from 100 a second, one from 1, three significant digits below that. */
function rateDigits(perSecond: number | undefined): number {
  if (perSecond === undefined || perSecond >= 100) return 0;
  if (perSecond >= 1 || perSecond <= 0) return 1;
  return Math.min(6, 2 - Math.floor(Math.log10(perSecond)));
}
