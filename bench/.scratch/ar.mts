import { rawArgon2Rate } from '../login.ts';
import { OWASP_ARGON2ID } from '../../src/core/passwords.ts';
for (const n of [1, 2, 4]) console.log(n, (await rawArgon2Rate(OWASP_ARGON2ID, 2, n)).toFixed(1));
