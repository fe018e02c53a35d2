/** Counters and gauges rendered in the Prometheus text exposition format at GET /metrics. */
export type Labels = Readonly<Record<string, string>>;

interface Series {
  help: string;
  type: 'counter' | 'gauge';
  values: Map<string, number>;
}

const labelKey = (labels: Labels): string =>
  Object.keys(labels)
    .sort()
    .map(
      (key) =>
        `${key}="${String(labels[key]).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`,
    )
    .join(',');

export class Metrics {
  private readonly series = new Map<string, Series>();

  private get(name: string, type: Series['type'], help: string): Series {
    let series = this.series.get(name);
    if (!series) {
      series = { help, type, values: new Map() };
      this.series.set(name, series);
    }
    return series;
  }

  increment(name: string, help: string, labels: Labels = {}, by = 1): void {
    const series = this.get(name, 'counter', help);
    const key = labelKey(labels);
    series.values.set(key, (series.values.get(key) ?? 0) + by);
  }

  set(name: string, help: string, value: number, labels: Labels = {}): void {
    this.get(name, 'gauge', help).values.set(labelKey(labels), value);
  }

  render(): string {
    const lines: string[] = [];
    for (const [name, series] of this.series) {
      lines.push(`# HELP ${name} ${series.help}`, `# TYPE ${name} ${series.type}`);
      for (const [key, value] of series.values)
        lines.push(key ? `${name}{${key}} ${value}` : `${name} ${value}`);
    }
    return `${lines.join('\n')}\n`;
  }
}
