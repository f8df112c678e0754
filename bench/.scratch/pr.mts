import { benchProtectedRequest } from '../protected-request.ts';
import { FULL, SMOKE } from '../harness.ts';
import { textTable } from '../report.ts';
console.log(textTable(await benchProtectedRequest(process.argv[2] === 'full' ? { ...FULL, seconds: 3 } : SMOKE)));
