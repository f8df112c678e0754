/**
 * The functions a `--cpu-prof` profile spent the most self time in, as a short table: how the hot
 * paths in bench/NOTES.md were found.
 *
 *   BENCH_CPU_PROF=/tmp/prof npm run bench -- --only=refresh
 *   node --import tsx bench/profile-top.ts /tmp/prof/CPU.*.cpuprofile [rows]
 */
import fs from 'node:fs';

interface Profile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number } }>;
  samples: number[];
  timeDeltas: number[];
}

/** Self time per function (ms), most first. */
export function selfTimes(profile: Profile): Array<{ name: string; ms: number; share: number }> {
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
    const name = `${functionName || '(anonymous)'} ${url.split('/').slice(-2).join('/')}:${lineNumber + 1}`;
    perFunction.set(name, (perFunction.get(name) ?? 0) + us);
  }
  return [...perFunction]
    .map(([name, us]) => ({ name, ms: us / 1000, share: total ? us / total : 0 }))
    .sort((a, b) => b.ms - a.ms);
}

if (process.argv[1]?.endsWith('profile-top.ts')) {
  const [file, rows = '30'] = process.argv.slice(2);
  if (!file) {
    console.error('usage: node --import tsx bench/profile-top.ts FILE.cpuprofile [rows]');
    process.exit(1);
  }
  for (const { name, ms, share } of selfTimes(JSON.parse(fs.readFileSync(file, 'utf8')) as Profile).slice(0, Number(rows))) {
    console.log(`${ms.toFixed(0).padStart(7)} ms ${(share * 100).toFixed(1).padStart(5)}%  ${name}`);
  }
}
