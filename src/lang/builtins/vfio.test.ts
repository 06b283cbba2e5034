// The host-side builtins (vfio.*, process.*, sysfs.read and the host.* declarations): checker
// errors at the argument's span, kernel refusals as results with a host.call trace event,
// declarations refused once the host runs, process memory, and sessions over a machine that cannot
// be snapshotted. Expected values are derived from the kernel rules cited beside each.

import { describe, expect, it } from 'vitest';
import { openLab } from '../../engine/lab';
import { LabMachine } from '../../model/lab/machine';
import type { HostCallEvent } from '../../model/trace';
import { call, failure, field } from './call.test-util';
import { BUILTINS } from './index';

/** One host with group 2 in a type1v2 container, a 2M buffer: fds 3 (container), 4 (group). */
function host(decl: (m: LabMachine) => void = () => {}): { m: LabMachine; buf: bigint } {
  const m = new LabMachine();
  call(m, 'host.pci_device', { bdf: '0000:00:02.0', group: 2 });
  decl(m);
  expect(field(call(m, 'vfio.open', { path: '/dev/vfio/vfio' }), 'fd')).toBe(3n);
  expect(field(call(m, 'vfio.open', { path: '/dev/vfio/2' }), 'fd')).toBe(4n);
  expect(field(call(m, 'vfio.set_container', { fd: 4, container: 3 }), 'errno')).toBe(0n);
  expect(field(call(m, 'vfio.set_iommu', { fd: 3, type: 'VFIO_TYPE1v2_IOMMU' }), 'errno')).toBe(0n);
  const buf = call(m, 'process.mmap', { length: 0x20_0000 }) as bigint;
  return { m, buf };
}

function diagnostics(src: string): { code: string; text: string }[] {
  return openLab(src).diagnostics.map((d) => ({ code: d.code, text: src.slice(d.span.start, d.span.end) }));
}

describe('wrong arguments are checker errors at the argument', () => {
  it('types, ranges and words', () => {
    const pre = 'let c = vfio.open("/dev/vfio/vfio")\n';
    // iova is a number (U64): a string is the wrong type, reported on the string.
    expect(diagnostics(`${pre}vfio.map_dma(c.fd, vaddr: 0, iova: "0x1000", size: 4K)`)).toEqual([{ code: 'LAB3010', text: '"0x1000"' }]);
    // fds are ints 0..0x7fff_ffff: -1 is 2^64 - 1, too large.
    expect(diagnostics('vfio.close(-1)')[0]?.text).toBe('-1');
    // an extension that is no uapi name
    expect(diagnostics(`${pre}vfio.set_iommu(c.fd, VFIO_TYPE2_IOMMU)`)[0]?.text).toBe('VFIO_TYPE2_IOMMU');
    // size suffixes, words for flags
    expect(diagnostics(`${pre}vfio.map_dma(c.fd, vaddr: 0, iova: 0, size: 4K, flags: rwx)`)[0]?.text).toBe('rwx');
    expect(diagnostics('host.process(memlock: 1M, cap_ipc_lock: 1)')[0]?.text).toBe('1');
    expect(diagnostics('process.poke(0x1000, 1, size: 9)')[0]?.text).toBe('9');
    expect(diagnostics('host.rmr(base: 0x1001, size: 4K, dev: "0000:00:02.0")')[0]?.text).toBe('0x1001');   // 4K-aligned
  });

  it('every host-side example checks and runs after a prelude that makes its variables', () => {
    const decl = BUILTINS.filter((b) => b.actor === 'host' && ['host.platform', 'host.kernel', 'host.process', 'host.rmr', 'host.reserved'].includes(b.name));
    const calls = BUILTINS.filter((b) => b.actor === 'vfio' || b.actor === 'process' || b.actor === 'sysfs' || b.actor === 'edu');
    expect(calls.length).toBeGreaterThanOrEqual(18);
    for (const b of calls) {
      const lines = [
        ...decl.filter((d) => d.name !== 'host.rmr' && d.name !== 'host.reserved').map((d) => d.example),
        'host.pci_device("0000:00:02.0", group: 2, model: edu)',
        'let c = vfio.open("/dev/vfio/vfio")', 'let g = vfio.open("/dev/vfio/2")',
        'vfio.set_container(g.fd, container: c.fd)', 'vfio.set_iommu(c.fd, VFIO_TYPE1v2_IOMMU)',
        'let buf = process.mmap(2M)', 'let d = vfio.get_device_fd(g.fd, "0000:00:02.0")', 'let e = process.eventfd()', b.example,
      ].filter((l, i, all) => all.indexOf(l) === i);
      const { diagnostics: d, session } = openLab(lines.join('\n'));
      expect(d.map((x) => x.message), b.name).toEqual([]);
      session!.run();
      expect(session!.error?.message ?? null, b.name).toBe(null);
      expect(session!.failedExpects(), b.name).toEqual([]);
    }
  });
});

describe('a refusal is a result, with a host.call event', () => {
  it('MAP_DMA at the SW_MSI base: ret -1, EINVAL (22), the kernel function, and the trace says why', () => {
    const { m, buf } = host();
    const at = m.trace.length;
    const r = call(m, 'vfio.map_dma', { fd: 3, vaddr: buf, iova: 0x800_0000, size: 0x1000 });
    // -1 as an unsigned 64-bit value; EINVAL is 22 (errno-base.h).
    expect(field(r, 'ret')).toBe((1n << 64n) - 1n);
    expect(field(r, 'errno')).toBe(22n);
    expect(field(r, 'errname')).toBe('EINVAL');
    expect(field(r, 'where')).toBe('vfio_iommu_iova_dma_valid (vfio_dma_do_map)');
    const ev = m.trace.slice(at).filter((e): e is HostCallEvent => e.type === 'host.call');
    expect(ev).toHaveLength(1);
    expect(ev[0].record).toMatchObject({ op: 'ioctl', request: 'VFIO_IOMMU_MAP_DMA', result: { ret: -1, errno: 22 } });
    expect(ev[0].record.args).toMatchObject({ fd: 3, arg: { argsz: 32n, flags: 3, iova: 0x800_0000n, size: 0x1000n } });
    expect(m.hostCalls[m.hostCalls.length - 1]).toBe(ev[0].record);
    // Calls are numbered from 0: open, open, set_container, set_iommu, mmap, map_dma.
    expect(m.hostCalls.map((c) => c.i)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('a whole program carries on after EINVAL and ENOENT', () => {
    const src = [
      'host.pci_device("0000:00:02.0", group: 2)',
      'let nope = vfio.open("/dev/vfio/7")',                    // no device of group 7: ENOENT (2)
      'expect nope.errname == "ENOENT" and nope.fd == -1',
      'let c = vfio.open("/dev/vfio/vfio")',
      'let r = vfio.get_info(c.fd)',                            // before SET_IOMMU: EINVAL (vfio_fops_unl_ioctl)
      'expect r.errno == 22 and r.where == "vfio_fops_unl_ioctl"',
    ].join('\n');
    const { session } = openLab(src);
    session!.run();
    expect(session!.error).toBe(null);
    expect(session!.failedExpects()).toEqual([]);
  });

  it('GET_INFO with argsz 16 gets no cap_offset (only min(argsz, 24) bytes come back, cap_offset ends at 20)', () => {
    const { m } = host();
    const r = call(m, 'vfio.get_info', { fd: 3, argsz: 16 });
    expect(field(r, 'cap_offset')).toBe(null);
    expect(field(r, 'caps')).toBe(null);
    expect(field(r, 'flags')).toBe(3n);                     // PGSIZES | CAPS: the caps did not fit
  });

  it('x86_vtd: the interrupt window is a hardware MSI region, printed "msi"', () => {
    const m = new LabMachine();
    call(m, 'host.platform', { machine: 'x86_vtd' });
    call(m, 'host.pci_device', { bdf: '0000:00:02.0', group: 5 });
    // IOAPIC_RANGE_START 0xfee00000, IOAPIC_RANGE_END 0xfeefffff (intel/iommu.h).
    const r = call(m, 'sysfs.read', { path: '/sys/kernel/iommu_groups/5/reserved_regions' });
    expect(field(r, 'text')).toBe('0x00000000fee00000 0x00000000feefffff msi\n');
  });
});

describe('declarations', () => {
  it('are refused once the host runs, and check the platform', () => {
    const { m } = host();
    expect(failure(() => call(m, 'host.kernel', { version: '7.2' }))).toMatch(/already running/);
    const a = new LabMachine();
    expect(failure(() => call(a, 'host.kernel', { version: '5.4' }))).toMatch(/not modelled/);
    call(a, 'host.pci_device', { bdf: '0000:00:02.0', group: 2 });
    expect(failure(() => call(a, 'host.rmrr', { base: 0xdd00_0000, size: 0x1_0000, dev: '0000:00:02.0' }))).toMatch(/x86-vtd only/);
    expect(failure(() => call(a, 'host.reserved', { base: 0x1000_0000, size: 0x1000, dev: '0000:00:09.0' }))).toMatch(/no device 0000:00:09.0/);
  });

  it('the kernel profile decides: VFIO_TYPE1_NESTING_IOMMU is 1 on 6.12 and 0 on 7.2 (retired in 6.13)', () => {
    for (const [k, want] of [['6.12', 1n], ['7.2', 0n]] as const) {
      const m = new LabMachine();
      call(m, 'host.kernel', { version: k });
      const c = call(m, 'vfio.open', { path: '/dev/vfio/vfio' });
      expect(field(call(m, 'vfio.check_extension', { fd: Number(field(c, 'fd')), ext: 'VFIO_TYPE1_NESTING_IOMMU' }), 'ret'), k).toBe(want);
    }
  });

  it('an RMR with remapping permitted is direct-relaxable and stays usable', () => {
    const { m } = host((x) => call(x, 'host.rmr', { base: 0x1000_0000, size: 0x1_0000, dev: '0000:00:02.0', remap_permitted: true }));
    expect(field(call(m, 'sysfs.read', { path: '/sys/kernel/iommu_groups/2/reserved_regions' }), 'text'))
      .toBe('0x0000000008000000 0x00000000080fffff msi\n0x0000000010000000 0x000000001000ffff direct-relaxable\n');
    // vfio_iommu_resv_exclude() skips DIRECT_RELAXABLE: still two usable ranges.
    const info = call(m, 'vfio.get_info', { fd: 3, argsz: 0x100 });
    expect(field(info, 'caps.iova_range.nr_iovas')).toBe(2n);
  });
});

describe('the process', () => {
  it('poke and peek are little-endian stores and loads of the pages MAP_DMA pins', () => {
    const { m, buf } = host();
    call(m, 'process.poke', { addr: buf + 3n, value: 0xaabbccdd, size: 4 });
    // bytes dd cc bb aa at buf+3..buf+6: the 8-byte word at buf reads 0x00aa_bbcc_dd00_0000.
    expect(call(m, 'process.peek', { addr: buf })).toBe(0x00aa_bbcc_dd00_0000n);
    expect(call(m, 'process.peek', { addr: buf + 4n, size: 2 })).toBe(0xbbccn);
    // The first page of the first anonymous mmap is at hostRamBase + 256 MiB = RAM_BASE + 0x1000_0000.
    expect(m.mem.load64(0x8_1000_0000n)).toBe(0x00aa_bbcc_dd00_0000n);
    expect(failure(() => call(m, 'process.peek', { addr: 0x1000 }))).toMatch(/SIGSEGV/);
  });

  it('capset may raise CAP_IPC_LOCK only if the permitted set holds it (cap_capset: EPERM)', () => {
    const { m } = host();
    const r = call(m, 'process.capset', { ipc_lock: true });
    expect(field(r, 'errname')).toBe('EPERM');
    expect(field(call(m, 'process.capset', { ipc_lock: false }), 'errno')).toBe(0n);
  });
});

describe('sessions over a machine with a host', () => {
  it('the machine stops taking snapshots; back and seek replay to the same state', () => {
    const src = [
      'host.pci_device("0000:00:02.0", group: 2)',
      'host.process(memlock: 64K)',
      'let c = vfio.open("/dev/vfio/vfio")', 'let g = vfio.open("/dev/vfio/2")',
      'vfio.set_container(g.fd, container: c.fd)', 'vfio.set_iommu(c.fd, VFIO_TYPE1v2_IOMMU)',
      'let buf = process.mmap(1M)',
      'for i in 0..20 {', '  vfio.map_dma(c.fd, vaddr: buf + i * 4K, iova: i * 4K, size: 4K)', '}',
      'expect process.locked_vm() == 16',      // 64K >> 12 = 16 pages; maps 17..20 get ENOMEM
    ].join('\n');
    const open = () => { const s = openLab(src, { snapshotEvery: 4 }).session!; return s; };
    const s = open();
    s.run();
    expect(s.failedExpects()).toEqual([]);
    expect(s.machineAt().canSnapshot()).toBe(false);
    for (const step of [30, 7, 45, 2, s.executed - 1]) {
      s.seek({ step, access: 0 });
      const fresh = open();
      fresh.seek({ step, access: 0 });
      expect(s.digestAt(), `step ${step}`).toBe(fresh.digestAt());
      expect(s.visibleEvents(), `step ${step}`).toEqual(fresh.visibleEvents());
      expect(s.machineAt().hostCalls.length, `step ${step}`).toBe(fresh.machineAt().hostCalls.length);
    }
    expect(() => s.machineAt().snapshot()).toThrow(/cannot be snapshotted/);
  });
});
