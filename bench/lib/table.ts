/**
 * Small helpers shared by the benchmarks: order statistics over samples and a plain
 * aligned text table. Benchmarks print figures; they never assert.
 */
export type Cell = string | number;

/**
 * The p-th percentile (p in [0, 100]) with linear interpolation between closest ranks,
 * the same definition as numpy's default and Excel's PERCENTILE.INC. NaN for no samples.
 */
export function percentile(xs: readonly number[], p: number): number {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be within [0, 100], got ${p}`);
  if (xs.length === 0) return NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
}

export function median(xs: readonly number[]): number {
  return percentile(xs, 50);
}

export function mean(xs: readonly number[]): number {
  return xs.length === 0 ? NaN : xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Thousands separators and a sensible number of decimals for figures of any size. */
export function formatNumber(x: number, decimals?: number): string {
  if (!Number.isFinite(x)) return String(x);
  const d = decimals ?? (Math.abs(x) >= 100 ? 0 : Math.abs(x) >= 10 ? 1 : 2);
  return x.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
}

/** A ratio such as "3.42x". */
export function formatRatio(x: number): string {
  return Number.isFinite(x) ? `${x.toFixed(2)}x` : '-';
}

/**
 * Formats a table as text: numbers are formatted and right-aligned, text left-aligned.
 * Returned rather than printed so it can also go to a file.
 */
export function formatTable(title: string, headers: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const text = rows.map((r) => headers.map((_, i) => cellText(r[i])));
  const numeric = headers.map(
    (_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === 'number' || r[i] === undefined),
  );
  const widths = headers.map((h, i) => Math.max(h.length, ...text.map((r) => r[i].length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [title, '', line(headers), rule, ...text.map(line)].join('\n') + '\n';
}

export function printTable(title: string, headers: readonly string[], rows: readonly (readonly Cell[])[]): void {
  process.stdout.write('\n' + formatTable(title, headers, rows));
}

function cellText(c: Cell | undefined): string {
  if (c === undefined) return '';
  return typeof c === 'number' ? formatNumber(c) : c;
}
