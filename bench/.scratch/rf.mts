import { benchRefresh } from '../refresh.ts';
import { FULL, SMOKE } from '../harness.ts';
import { textTable } from '../report.ts';
console.log(textTable(await benchRefresh(process.argv[2] === 'full' ? { ...FULL, seconds: 3 } : SMOKE)));
