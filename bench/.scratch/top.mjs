import fs from 'node:fs';
const p = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const self = new Map(); const byId = new Map(p.nodes.map(n => [n.id, n]));
const dt = new Map(); p.samples.forEach((s, i) => dt.set(s, (dt.get(s) || 0) + (p.timeDeltas[i] || 0)));
let total = 0;
for (const n of p.nodes) { const t = dt.get(n.id) || 0; total += t; const cf = n.callFrame; const k = `${cf.functionName || '(anon)'} ${cf.url.split('/').slice(-2).join('/')}:${cf.lineNumber}`; self.set(k, (self.get(k) || 0) + t); }
console.log('total ms', (total/1000).toFixed(0));
[...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, +process.argv[3] || 30).forEach(([k, v]) => console.log((v / 1000).toFixed(0).padStart(7), (100*v/total).toFixed(1).padStart(5)+'%', k));
