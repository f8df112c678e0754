/**
 * The functions a `--cpu-prof` profile spent the most self time in, as a short table: how the hot
 * paths in bench/NOTES.md were found.
 *
 *   BENCH_CPU_PROF=/tmp/prof npm run bench -- --only=refresh
 *   node --import tsx bench/profile-top.ts /tmp/prof/CPU.*.cpuprofile [rows]
 *   node --import tsx bench/profile-top.ts --by-package /tmp/prof/CPU.*.cpuprofile   (kysely, fastify, src/http, ...)
 */
import fs from 'node:fs';

interface Profile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number } }>;
  samples: number[];
  timeDeltas: number[];
}

/**
 * Where a function's code lives, coarsely: its npm package, `src/<room>` for latchkey's own code,
 * `node:<module>` for Node's, or the native frame's name ((idle), (garbage collector), writev...).
 */
function packageOf(callFrame: { functionName: string; url: string }): string {
  const { url, functionName } = callFrame;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg) return pkg;
  if (url.includes('/src/')) return `src/${url.split('/src/')[1]!.split('/')[0]!.replace(/\.ts$/, '')}`;
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  return functionName || '(native)';
}

/** Self time per function (ms), most first; with `byPackage`, per package (see {@link packageOf}). */
export function selfTimes(profile: Profile, byPackage = false): Array<{ name: string; ms: number; share: number }> {
  const perNode = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    perNode.set(id, (perNode.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const perFunction = new Map<string, number>();
  let total = 0;
  for (const node of profile.nodes) {
    const us = perNode.get(node.id) ?? 0;
    total += us;
    const { functionName, url, lineNumber } = node.callFrame;
    const name = byPackage ? packageOf(node.callFrame) : `${functionName || '(anonymous)'} ${url.split('/').slice(-2).join('/')}:${lineNumber + 1}`;
    perFunction.set(name, (perFunction.get(name) ?? 0) + us);
  }
  return [...perFunction]
    .map(([name, us]) => ({ name, ms: us / 1000, share: total ? us / total : 0 }))
    .sort((a, b) => b.ms - a.ms);
}

if (process.argv[1]?.endsWith('profile-top.ts')) {
  const args = process.argv.slice(2);
  const byPackage = args.includes('--by-package');
  const [file, rows = '30'] = args.filter((a) => a !== '--by-package');
  if (!file) {
    console.error('usage: node --import tsx bench/profile-top.ts [--by-package] FILE.cpuprofile [rows]');
    process.exit(1);
  }
  for (const { name, ms, share } of selfTimes(JSON.parse(fs.readFileSync(file, 'utf8')) as Profile, byPackage).slice(0, Number(rows))) {
    console.log(`${ms.toFixed(0).padStart(7)} ms ${(share * 100).toFixed(1).padStart(5)}%  ${name}`);
  }
}
