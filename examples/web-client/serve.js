// Serves public/ on http://127.0.0.1:$PORT (default 5173). Open it with `?latchkey=<latchkey's URL>`
// when latchkey runs elsewhere, and list this page's origin in latchkey's LATCHKEY_ALLOWED_ORIGINS.
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8' };
const server = createServer(async (req, res) => {
  const name = new URL(req.url, 'http://localhost').pathname === '/' ? 'index.html' : new URL(req.url, 'http://localhost').pathname.slice(1);
  const type = TYPES[name.slice(name.lastIndexOf('.'))];
  if (!type || name.includes('/')) {
    res.writeHead(404).end();
    return;
  }
  try {
    const body = await readFile(new URL(`public/${name}`, import.meta.url));
    res.writeHead(200, { 'content-type': type }).end(body);
  } catch {
    res.writeHead(404).end();
  }
});
server.listen(Number(process.env.PORT ?? 5173), '127.0.0.1', () => {
  console.log(`web-client on http://127.0.0.1:${server.address().port}`);
});
process.on('SIGTERM', () => server.close());
