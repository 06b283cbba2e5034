// The app's side of the worker: start it and wrap it in comlink's typed proxy. Every method of
// LabWorkerApi becomes async; a method that fails in the worker rejects with its message.
import { wrap, type Remote } from 'comlink';
import type { LabWorkerApi } from './api';

export interface LabWorker {
  api: Remote<LabWorkerApi>;
  /** Stop the worker; calls still pending never settle. */
  terminate(): void;
}

/** Start the lab worker. `onCrash` hears what comlink cannot turn into a rejection: the worker
 *  failing to load, or an error thrown outside any call (default: console.error, so it is never
 *  silent). */
export function createLabWorker(onCrash: (message: string) => void = (m) => console.error(`lab worker: ${m}`)): LabWorker {
  const worker = new Worker(new URL('./lab.worker.ts', import.meta.url), { type: 'module', name: 'lab' });
  worker.addEventListener('error', (e) => onCrash(e.message || 'the worker failed to start'));
  worker.addEventListener('messageerror', () => onCrash('a message from the worker could not be read'));
  const api = wrap<LabWorkerApi>(worker);
  return { api, terminate: () => worker.terminate() };
}
