/** Formats seconds the way IPython does (`1.23 ms`, `456 ns`), so timings read the same in both. */
export function formatSeconds(s: number, precision = 3): string {
  if (s >= 60) {
    const m = Math.floor(s / 60);
    return `${m}min ${(s - m * 60).toFixed(0)}s`;
  }
  const units: Array<[string, number]> = [
    ["s", 1],
    ["ms", 1e-3],
    ["µs", 1e-6],
    ["ns", 1e-9],
  ];
  for (const [unit, scale] of units) {
    if (s >= scale || unit === "ns") return `${Number((s / scale).toPrecision(precision))} ${unit}`;
  }
  return `${s} s`;
}
