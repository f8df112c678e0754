import { describe, expect, it } from 'vitest';
import { SMOKE } from '../../bench/harness.ts';
import { markdownTable } from '../../bench/report.ts';
import { BENCHMARKS, runBenchmarks } from '../../bench/run.ts';

// The benchmark is not a test (nothing here is timed): this proves that `npm run bench` can run,
// with tiny counts, and that every row of its table carries numbers.
describe('npm run bench harness (smoke counts)', () => {
  it('runs every benchmark and fills every row with numbers', { timeout: 120_000 }, async () => {
    const rows = await runBenchmarks(SMOKE);

    expect(new Set(rows.map((r) => r.section))).toEqual(new Set(Object.keys(BENCHMARKS)));
    for (const row of rows) {
      expect(Number.isFinite(row.value), `${row.section}: ${row.name} value`).toBe(true);
      expect(row.value, `${row.section}: ${row.name} value`).toBeGreaterThanOrEqual(0);
      if (row.baseline !== undefined) {
        expect(row.baseline, `${row.section}: ${row.name} baseline`).toBeGreaterThan(0);
        expect(Number.isFinite(row.ratio), `${row.section}: ${row.name} ratio`).toBe(true);
      }
      if (row.goal !== undefined) expect(typeof row.met, `${row.section}: ${row.name} goal verdict`).toBe('boolean');
      for (const latency of [row.p50, row.p99]) {
        if (latency !== undefined) expect(Number.isFinite(latency), `${row.section}: ${row.name} latency`).toBe(true);
      }
    }
    // Every goal of the issue has a row that judges it.
    const goals = rows.filter((r) => r.goal).map((r) => `${r.section}: ${r.name}`);
    for (const alg of ['ES256', 'EdDSA', 'RS256']) {
      expect(goals).toContain(`verify: ${alg} fresh token`);
      expect(goals).toContain(`verify: ${alg} repeated token (cache)`);
    }
    expect(goals.some((g) => g.startsWith('request: guarded route'))).toBe(true);
    expect(goals.filter((g) => g.startsWith('refresh: SQLite POST /oauth/token'))).toHaveLength(2);
    expect(goals.some((g) => g.startsWith('login: POST /auth/login'))).toBe(true);
    expect(goals).toContain('login: server event-loop delay during logins');
    expect(goals.some((g) => g.startsWith('scale: refresh with'))).toBe(true);
    expect(goals.some((g) => g.startsWith('revocation: revoked on A'))).toBe(true);
    expect(goals).toContain('revocation: verifier with the feed attached (cached tokens)');

    const markdown = markdownTable(rows);
    const bodyLines = markdown.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| benchmark') && !l.startsWith('| ---'));
    expect(bodyLines).toHaveLength(rows.length);
    expect(markdown).not.toMatch(/\bNaN\b|n\/a|undefined/);
  });
});
