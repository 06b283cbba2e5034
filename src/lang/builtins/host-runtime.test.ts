// The host side loaded on demand (host-runtime.ts): which programs need it, what a program that
// needs it does without it, and the worker's open waiting for it or reporting that it failed.
// Vitest's setup loads it up front (host-runtime-eager.ts); each test here empties the slot and
// puts it back.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkLab, openLab } from '../../engine/lab';
import { LESSONS } from '../../scenarios';
import { SMALL } from '../../worker/programs.test-util';
import { LabService } from '../../worker/service';
import * as impl from './host-runtime-impl';
import { hostRuntimeLoaded, loadHostRuntime, setHostRuntime } from './host-runtime';

/** Declarations only (host-decl.ts records them; nothing runs on a host yet), then one ioctl. */
const DECLARE = 'host.platform(arm64_virt, smmu_stage: s1)\nhost.kernel("6.12")\nhost.pci_device("0000:00:02.0", group: 2)\n';
const VFIO = DECLARE + 'let c = vfio.open("/dev/vfio/vfio")\nexpect c.errno == 0\n';

beforeEach(() => setHostRuntime(null));
afterEach(() => setHostRuntime(impl));

describe('which programs need the host side', () => {
  it('lessons 1-5 do not, lessons 6-13 do', () => {
    // Lessons 1-5 are the SMMU, the guest and stage 2 (host.assign, host.s2.map: the Lab's own
    // host), 6-13 call vfio.*, process.*, sysfs.*, iommufd.* or edu.* (the files' names say so).
    for (const l of LESSONS) {
      const n = Number(l.file.slice(0, 2));
      expect(checkLab(l.source).hostSide, l.file).toBe(n >= 6);
    }
  });

  it('host declarations alone do not; a call in a proc never called still does', () => {
    expect(checkLab(DECLARE).hostSide).toBe(false);
    expect(checkLab(VFIO).hostSide).toBe(true);
    expect(checkLab(DECLARE + 'proc later() {\n  let r = sysfs.read("/sys/kernel/iommu_groups/2/type")\n}\n').hostSide).toBe(true);
  });

  it('lessons 1-5 run to their end with the slot empty', () => {
    for (const l of LESSONS.filter((x) => Number(x.file.slice(0, 2)) <= 5)) {
      const { session } = openLab(l.source);
      expect(session, l.file).not.toBe(null);
      session?.run();
      expect(session?.error ?? null, l.file).toBe(null);
      expect(session?.finished, l.file).toBe(true);
    }
  });
});

describe('without the host side', () => {
  it('a host-side call is a runtime error that says so', () => {
    const { session } = openLab(VFIO);
    session?.run();
    expect(session?.error?.message).toMatch(/the host side \(VFIO, iommufd, the ITS\) is not loaded/);
  });

  it('LabService.openNow refuses such a program; declarations alone open', () => {
    const svc = new LabService();
    expect(() => svc.openNow(VFIO)).toThrow(/^open: the program calls the host side/);
    expect(svc.openNow(DECLARE).ok).toBe(true);
  });
});

describe('LabService.open', () => {
  it('loads the host side for a program that needs it, then runs it', async () => {
    const svc = new LabService();
    const r = await svc.open(VFIO);
    expect(hostRuntimeLoaded()).toBe(true);
    expect(r.ok).toBe(true);
    const v = svc.run([]);
    expect(v.error).toBe(null);
    expect(v.finished).toBe(true);
  });

  it('opens a program without host calls without loading anything', async () => {
    let loads = 0;
    const svc = new LabService(async () => { loads++; });
    expect((await svc.open(SMALL)).ok).toBe(true);
    expect(loads).toBe(0);
  });

  it('a failed load rejects with a message, and no session is left open', async () => {
    const svc = new LabService(() => loadHostRuntime(() => Promise.reject(new Error('Failed to fetch dynamically imported module'))));
    await expect(svc.open(VFIO)).rejects.toThrow(
      'open: the host side (VFIO, iommufd, the ITS) could not be loaded: Failed to fetch dynamically imported module. Reload the page to try again.');
    expect(() => svc.view()).toThrow(/^view: no program is running/);
    // The next attempt imports again.
    await loadHostRuntime(async () => impl);
    expect(hostRuntimeLoaded()).toBe(true);
  });

  it('an open that waited gives way to an open made meanwhile', async () => {
    let release = (): void => undefined;
    const svc = new LabService(() => new Promise<void>((resolve) => { release = resolve; }));
    const first = svc.open(VFIO);
    expect(svc.openNow(SMALL).ok).toBe(true);
    release();
    await expect(first).rejects.toThrow('open: another program was opened meanwhile');
    expect(svc.view().executed).toBe(0);
  });
});
