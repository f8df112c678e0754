import { startLoggedServer } from './test/abuse/logged-server.ts';
const s = await startLoggedServer({}, { level: 'trace' });
await fetch(s.url + '/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"email":"a@b.co","password":"secretpw1"' });
await fetch(s.url + '/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"email":"a@b.co","password":"secretpw1"}' });
console.log(s.raw.join('\n'));
await s.close();
