// The host side's run-time half, behind one module-level slot. The registry entries of the host
// builtins (names, arguments, docs: what the checker and the editor read) are eager; their `run`
// reaches HostSystem and the rest through `hostRuntime(ctx)`, which the slot answers once
// `loadHostRuntime()` has imported host-runtime-impl.ts. The worker awaits that before opening a
// program that calls a host-side builtin (engine/lab.ts checkLab: `hostSide`); Node entry points
// (the CLI, the bench, Vitest's setup) import host-runtime-eager.ts instead, so openLab stays
// synchronous there.

import type { CallContext } from '../registry-types';
import type * as Impl from './host-runtime-impl';

export type HostRuntime = typeof Impl;

let loaded: HostRuntime | null = null;
let loading: Promise<void> | null = null;

/** Fill (or, for a test, empty) the slot. */
export function setHostRuntime(runtime: HostRuntime | null): void {
  loaded = runtime;
  loading = null;
}

export function hostRuntimeLoaded(): boolean {
  return loaded !== null;
}

/** Import the host side once; later calls share the same promise. A failed import rejects with a
 *  message that says what did not load, and the next call tries again (a browser may keep the
 *  failed import until the page reloads). `importer` is for tests. */
export function loadHostRuntime(importer: () => Promise<HostRuntime> = () => import('./host-runtime-impl')): Promise<void> {
  if (loaded !== null) return Promise.resolve();
  loading ??= importer().then(
    (m) => { loaded = m; },
    (e: unknown) => {
      loading = null;
      throw new Error(`the host side (VFIO, iommufd, the ITS) could not be loaded: ${e instanceof Error ? e.message : String(e)}`);
    },
  );
  return loading;
}

/** The loaded host side, or a runtime error at the call when it is not loaded. */
export function hostRuntime(ctx: CallContext): HostRuntime {
  return loaded ?? ctx.fail('the host side (VFIO, iommufd, the ITS) is not loaded: the program was opened without it');
}
