import type { Row } from './harness.ts';

/** A number as the table shows it: 3 significant digits, thousands grouped. */
export function fmt(n: number | undefined, digits = 3): string {
  if (n === undefined) return '';
  if (!Number.isFinite(n)) return 'n/a';
  if (Math.abs(n) >= 1000) return Math.round(n).toLocaleString('en-US');
  return Number(n.toPrecision(digits)).toString();
}

const HEAD = ['benchmark', 'latchkey', 'unit', 'raw / baseline', 'ratio', 'p50 ms', 'p99 ms', 'CPU µs/op', 'raw CPU µs/op', 'CPU ratio', 'goal', 'met'];
/** Columns written left-aligned (text); the rest are numbers. */
const TEXT = new Set([0, 2, 10]);

function cells(row: Row): string[] {
  return [
    `${row.section}: ${row.name}`,
    fmt(row.value),
    row.unit,
    fmt(row.baseline),
    row.ratio === undefined ? '' : `${fmt(row.ratio)}x`,
    fmt(row.p50),
    fmt(row.p99),
    fmt(row.cpu),
    fmt(row.cpuBaseline),
    row.cpu !== undefined && row.cpuBaseline !== undefined ? `${fmt(row.cpu / row.cpuBaseline)}x` : '',
    row.goal ?? '',
    row.met === undefined ? '' : row.met ? 'yes' : 'NO',
  ];
}

/** The rows as a fixed-width table for the terminal. */
export function textTable(rows: readonly Row[]): string {
  const all = [HEAD, ...rows.map(cells)];
  const widths = HEAD.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
  return all.map((r) => r.map((c, i) => (TEXT.has(i) ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')).join('\n');
}

/** The rows as a Markdown table, with the notes of each row below it. */
export function markdownTable(rows: readonly Row[]): string {
  const lines = [`| ${HEAD.join(' | ')} |`, `|${HEAD.map((_, i) => (TEXT.has(i) ? ' --- ' : ' ---: ')).join('|')}|`];
  for (const row of rows) lines.push(`| ${cells(row).join(' | ')} |`);
  const notes = rows.filter((r) => r.note).map((r) => `- ${r.section}: ${r.name}: ${r.note}`);
  return [...lines, ...(notes.length ? ['', ...notes] : [])].join('\n');
}
