// Node entry points (the CLI, bench/run.ts, Vitest's setupFiles) import this for its effect: the
// host side is loaded statically, so a program that calls vfio.* runs without awaiting anything.
// The app's worker never imports it (it loads the host side on demand: host-runtime.ts).

import * as impl from './host-runtime-impl';
import { setHostRuntime } from './host-runtime';

setHostRuntime(impl);
