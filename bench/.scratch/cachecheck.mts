import { benchKeyRing, mintTokens, ISSUER, AUDIENCE } from '../keys.ts';
import { createTokenVerifier } from '../../src/verify/token-verifier.ts';
const { ring, key } = await benchKeyRing('ES256');
let t = Date.now();
const v = createTokenVerifier({ issuer: ISSUER, audience: AUDIENCE, resolveKey: (k) => (k === key.kid ? key : undefined), now: () => t, cacheSize: 2 });
const [a, b, c] = mintTokens(ring, 3, 60);
await v(a!); await v(a!); await v(b!); await v(c!); // evicts a
const bad = a!.slice(0, -3) + (a!.endsWith('AAA') ? 'BBB' : 'AAA');
await v(bad).then(() => console.log('BAD: tampered accepted'), (e) => console.log('tampered ->', e.code));
t += 66_000;
await v(c!).then(() => console.log('BAD: expired cached accepted'), (e) => console.log('expired cached ->', e.code));
await v('x.y').then(() => console.log('BAD'), (e) => console.log('malformed ->', e.code));
