/** Entry of a harness thread (worker_threads): requests from the pool in, results out (harness.ts). */
import { parentPort, workerData } from 'node:worker_threads';
import { HarnessThread } from './harness-thread';
import type { ThreadInit, ThreadRequest } from './harness-types';

const thread = new HarnessThread(workerData as ThreadInit);
parentPort!.on('message', (msg: { id: number; req: ThreadRequest }) => {
  thread.handle(msg.req).then(
    (result) => parentPort!.postMessage({ id: msg.id, result }),
    (err: unknown) =>
      parentPort!.postMessage({ id: msg.id, error: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
  );
});
