import { benchScale } from '../scale.ts';
import { FULL } from '../harness.ts';
import { textTable } from '../report.ts';
console.log(textTable(await benchScale({ ...FULL, seconds: 2 })));
