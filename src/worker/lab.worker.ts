// The Web Worker entry: one LabService exposed over comlink. The app reaches it only through
// client.ts; api.ts types both sides. A method that throws becomes a rejected promise on the
// app's side (comlink sends the Error's name, message and stack) and the worker carries on.
import { expose } from 'comlink';
import type { LabWorkerApi } from './api';
import { LabService } from './service';

const service: LabWorkerApi = new LabService();
expose(service);
