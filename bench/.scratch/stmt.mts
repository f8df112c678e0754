import SQLite from 'better-sqlite3';
const proto = (SQLite as any).prototype;
const db0 = new SQLite(':memory:'); const S = Object.getPrototypeOf(db0.prepare('select 1')); db0.close();
const times = new Map<string, [number, number]>();
for (const m of ['run', 'all', 'get']) { const orig = S[m]; S[m] = function (this: any, ...a: any[]) { const t = performance.now(); try { return orig.apply(this, a); } finally { const k = m + ' ' + this.source.slice(0, 50); const e = times.get(k) ?? [0, 0]; e[0] += performance.now() - t; e[1]++; times.set(k, e); } }; }
(globalThis as any).__times = times;
await import('./core.mts');
for (const [k, [t, n]] of [...times].sort((a, b) => b[1][0] - a[1][0]).slice(0, 12)) console.log((t / n * 1000).toFixed(1).padStart(8), 'us', String(n).padStart(6), k);
