import type { CosellConfig } from '../config/configSchema.ts';
import type { FormattedDestination } from './alertEvaluator.ts';

/** The configured destinations with their names: the given name, else `<format>-<position>` (1-based). */
export function alertDestinationsFrom(alerts: CosellConfig['alerts']): FormattedDestination[] {
  const taken = new Set(alerts.notify.flatMap((destination) => (destination.name ? [destination.name] : [])));
  return alerts.notify.map((destination, index) => {
    let name = destination.name;
    if (!name) {
      name = `${destination.format}-${index + 1}`;
      while (taken.has(name)) name = `${name}x`;
      taken.add(name);
    }
    return { name, format: destination.format, url: destination.url };
  });
}
