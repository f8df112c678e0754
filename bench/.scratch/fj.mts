import { createVerifier, createDecoder } from 'fast-jwt';
import { benchKeyRing, mintTokens, ISSUER, AUDIENCE } from '/work/main/bench/keys.ts';
import { rawVerifier } from '/work/main/bench/verify.ts';
import { createVerify, verify as cv } from 'node:crypto';
for (const alg of ['ES256','RS256'] as const) {
  const { ring, key } = await benchKeyRing(alg);
  const tokens = mintTokens(ring, 3000);
  const raw = rawVerifier(key);
  const v = createVerifier({ key: key.publicKey.export({type:'spki',format:'pem'}).toString(), algorithms:[alg], allowedIss: ISSUER, allowedAud: AUDIENCE, checkTyp:'at+jwt', requiredClaims:['iss','sub','aud','exp','iat','jti','sid'], ignoreExpiration:true, ignoreNotBefore:true, cache:false });
  const dec = createDecoder({complete:true});
  const time = (name: string, f: (t: string)=>unknown) => { for (let r=0;r<2;r++){ const t0=performance.now(); for (const t of tokens) f(t); const dt=performance.now()-t0; if(r) console.log(alg, name, ((dt*1000)/tokens.length).toFixed(2),'us'); } };
  time('raw', raw);
  time('fastjwt nocache', v);
  time('decode complete', dec);
  time('header only', (t) => JSON.parse(Buffer.from(t.slice(0, t.indexOf('.')), 'base64url').toString()));
  time('createVerify stream', (t) => { const d=t.lastIndexOf('.'); return createVerify('RSA-SHA256').update(t.slice(0,d)).verify(alg==='ES256'?{key:key.publicKey,dsaEncoding:'ieee-p1363'}:key.publicKey, Buffer.from(t.slice(d+1),'base64url')); });
}
