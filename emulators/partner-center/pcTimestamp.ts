/** Partner Center's timestamp shape: UTC with 7 fractional digits, e.g. `2022-02-24T21:04:06.0372014Z`. */
export function pcTimestamp(at: Date): string {
  return at.toISOString().replace(/\.(\d{3})Z$/, '.$10000Z');
}

/** The webhook body's `ResourceChangeUtcDate` shape: 7 fractional digits and a `+00:00` offset. */
export function pcOffsetTimestamp(at: Date): string {
  return at.toISOString().replace(/\.(\d{3})Z$/, '.$10000+00:00');
}
