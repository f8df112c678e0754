import { benchLogin } from '../login.ts';
import { FULL, SMOKE } from '../harness.ts';
import { textTable } from '../report.ts';
console.log(textTable(await benchLogin(process.argv[2] === 'full' ? { ...FULL, seconds: 3 } : SMOKE)));
