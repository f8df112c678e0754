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
    c.on('error', (e) => resolve('ERR ' + e.message));
    setTimeout(() => { c.destroy(); resolve(out + '<timeout>'); }, 1500);
  });
}
const show = (label: string, r: string) => console.log('=== ' + label + '\n' + r.split('\r\n').filter(l => !/^(date|x-request-id|content-security|referrer|x-frame|cross-origin|x-content|connection|keep-alive):/i.test(l)).join('\n').slice(0, 400));
show('bad url', await raw('GET /%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
show('bad url auth', await raw('POST /auth/login%ff HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 0\r\n\r\n'));
show('text/plain', await raw('POST /auth/login HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nhi'));
show('no ctype', await raw('POST /auth/login HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}'));
show('empty json', await raw('POST /auth/login HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: 0\r\n\r\n'));
show('bad json', await raw('POST /auth/login HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: 3\r\n\r\n{x}'));
show('proto', await raw('POST /auth/login HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: 27\r\n\r\n{"__proto__":{"a":1},"b":2}'));
show('array', await raw('POST /auth/login HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n[]'));
show('null', await raw('POST /auth/login HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: 4\r\n\r\nnull'));
show('big', await raw('POST /auth/login HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: 20000\r\n\r\n' + 'x'.repeat(20000)));
show('bad len', await raw('POST /auth/login HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: 10\r\n\r\n{}'));
show('huge header', await raw('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-A: ' + 'a'.repeat(20000) + '\r\n\r\n'));
show('garbage', await raw('BLAH\r\n\r\n'));
show('refresh text', await raw('POST /auth/refresh HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nhi'));
show('oauth text', await raw('POST /oauth/token HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nhi'));
show('404', await raw('GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
show('unknown method', await raw('PROPFIND /auth/login HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
show('ctype charset weird', await raw('POST /auth/login HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json; charset=utf-16\r\nContent-Length: 2\r\n\r\n{}'));
show('sessions id long', await raw('DELETE /auth/sessions/' + 'a'.repeat(300) + ' HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
show('deep json', await raw('POST /auth/login HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: 8000\r\n\r\n' + '['.repeat(4000) + ']'.repeat(4000)));
await s.close();
