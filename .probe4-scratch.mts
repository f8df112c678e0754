import { startServer } from './test/helpers/server.ts';
import net from 'node:net';
const s = await startServer();
const u = new URL(s.url);
const attack = {"method":"DELETE","path":"/auth/sessions/%zz?q=%5DJbsiXKzeM&v=PSg%3F%3Bn%3Ch0&token=key","headers":{"authorization":"Bearer eyJhbGc.x.y","cookie":"latchkey_refresh=eyJ.a.b","x-device-id":"V[f¹Ú°p¬","x-request-id":"Q­ÄÍ","accept":"THènD·Dk","content-type":"text/plain"},"body":"3.5847579336213465e-60"};
const head = `${attack.method} ${attack.path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n` + Object.entries(attack.headers).map(([k, v]) => `${k}: ${v}`).join('\r\n') + `\r\nContent-Length: ${attack.body.length}\r\n\r\n${attack.body}`;
const out = await new Promise<string>((resolve) => {
  const c = net.connect(Number(u.port), '127.0.0.1', () => c.write(Buffer.from(head, 'latin1')));
  let out = '';
  c.on('data', (d) => (out += d.toString('latin1')));
  c.on('end', () => resolve(out));
  setTimeout(() => { c.destroy(); resolve(out + '<timeout>'); }, 1500);
});
console.log(JSON.stringify(out));
await s.close();
