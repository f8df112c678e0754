// A webhook receiver of its own (a separate process, as an app's would be): verifies each request
// with the standardwebhooks package and prints one JSON line per request on stdout.
// Env: PORT, SECRET (whsec_...), MODE = ok | hang-first (never answer the first try of each
// webhook-id), DELAY_MS (answer after this long).
import http from 'node:http';
import { createRequire } from 'node:module';

const { Webhook } = createRequire(import.meta.url)('standardwebhooks');
const secret = process.env.SECRET ?? '';
const mode = process.env.MODE ?? 'ok';
const delay = Number(process.env.DELAY_MS ?? 0);
const inFlight = new Set();
const seen = new Set();
const log = (record) => process.stdout.write(`${JSON.stringify(record)}\n`);

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    if (req.url === '/redirect') {
      log({ path: req.url });
      res.writeHead(302, { location: '/target' }).end();
      return;
    }
    const id = req.headers['webhook-id'];
    let verified = false;
    try {
      new Webhook(secret).verify(body, req.headers);
      verified = true;
    } catch {}
    const overlap = inFlight.has(id);
    inFlight.add(id);
    const first = !seen.has(id);
    seen.add(id);
    let type = null;
    try {
      type = JSON.parse(body).type;
    } catch {}
    log({ path: req.url, id, type, verified, overlap, first });
    if (mode === 'hang-first' && first) {
      res.on('close', () => inFlight.delete(id));
      return;
    }
    setTimeout(() => {
      inFlight.delete(id);
      res.writeHead(200).end('ok');
    }, delay);
  });
});
server.listen(Number(process.env.PORT), '127.0.0.1', () => log({ listening: server.address().port }));
