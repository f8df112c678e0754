import { startServer } from './test/helpers/server.ts';
import net from 'node:net';
const s = await startServer();
const u = new URL(s.url);
async function raw(req: string): Promise<string> {
  return new Promise((resolve) => {
    const c = net.connect(Number(u.port), '127.0.0.1', () => c.write(req));
    let out = '';
    c.on('data', (d) => (out += d));
    c.on('end', () => resolve(out));
    setTimeout(() => { c.destroy(); resolve(out + '<timeout>'); }, 1500);
  });
}
console.log(await raw('DELETE /auth/sessions/%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\nabc'));
console.log(await raw('GET /%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
await s.close();
