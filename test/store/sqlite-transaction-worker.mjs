// Runs read-then-write transactions on its own connection to a shared SQLite file and reports how
// many failed: the work of a second process (a CLI command) writing beside the server.
import { parentPort, workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { openSqliteStore } = await import(workerData.storeModule);
const store = await openSqliteStore(workerData.file);
let failed = 0;
for (let i = 0; i < workerData.transactions; i++) {
  try {
    await store.transaction(async (tx) => {
      await tx.listLiveSessions(workerData.userId, Date.now());
      await tx.insertEvents([{ userId: workerData.userId, type: 'login', at: Date.now(), sessionId: null, ip: null, userAgent: null, detail: null }]);
    });
  } catch {
    failed++;
  }
}
await store.close();
parentPort.postMessage(failed);
