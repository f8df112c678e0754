// A SQLite store on its own connection in its own thread: better-sqlite3 is synchronous, so real
// concurrency between connections needs threads. Serves method calls posted by sqlite.test.ts.
import { parentPort, workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { openSqliteStore } = await import(workerData.storeModule);
const store = await openSqliteStore(workerData.file);
parentPort.on('message', async ({ id, method, args }) => {
  try {
    // A refresh decision arrives as its data (conformance.ts's rotateIfAt): rebuild the function.
    const decided = args.map((a) => (a?.rotateIfAt ? (found) => (found?.session.counter === a.rotateIfAt.fromCounter ? a.rotateIfAt : undefined) : a));
    parentPort.postMessage({ id, value: await store[method](...decided) });
  } catch (err) {
    parentPort.postMessage({ id, error: String(err) });
  }
});
parentPort.postMessage({ ready: true });
