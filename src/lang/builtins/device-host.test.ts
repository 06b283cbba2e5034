// The device-side host builtins (device-host.ts): eventfds, the vfio-pci device fd's ioctls and
// pread/pwrite, and edu's DMA and MSI. Expected values are derived by hand from the kernel and QEMU
// rules cited beside each, not copied from a run.

import { describe, expect, it } from 'vitest';
import { openLab } from '../../engine/lab';
import { LabMachine } from '../../model/lab/machine';
import type { HostCallEvent } from '../../model/trace';
import { call, failure, field } from './call.test-util';
import { DEVICE_HOST_BUILTINS } from './device-host';

const BDF = '0000:00:02.0';
const EINVAL = 22n, EBADF = 9n;

/** Group 2 in a type1v2 container, 2M of process memory mapped at IOVA 0x10_0000 with a marker at
 *  +0x40, the device fd: fds 3 (container), 4 (group), 5 (device). */
function host(platform: 'arm64_virt' | 'x86_vtd' = 'arm64_virt'): { m: LabMachine; ram: bigint } {
  const m = new LabMachine();
  call(m, 'host.platform', { machine: platform });
  call(m, 'host.pci_device', { bdf: BDF, group: 2, model: 'edu' });
  call(m, 'vfio.open', { path: '/dev/vfio/vfio' });
  call(m, 'vfio.open', { path: '/dev/vfio/2' });
  call(m, 'vfio.set_container', { fd: 4, container: 3 });
  call(m, 'vfio.set_iommu', { fd: 3, type: 'VFIO_TYPE1v2_IOMMU' });
  const ram = call(m, 'process.mmap', { length: 0x20_0000 }) as bigint;
  call(m, 'process.poke', { addr: ram + 0x40n, value: 0x1122_3344_5566_7788n });
  expect(field(call(m, 'vfio.map_dma', { fd: 3, vaddr: ram, iova: 0x10_0000, size: 0x20_0000 }), 'errno')).toBe(0n);
  expect(field(call(m, 'vfio.get_device_fd', { fd: 4, name: BDF }), 'fd')).toBe(5n);
  return { m, ram };
}

/** An eventfd (fd 6 after host()) attached to MSI vector 0. */
function withMsi(platform: 'arm64_virt' | 'x86_vtd' = 'arm64_virt') {
  const h = host(platform);
  const e = Number(field(call(h.m, 'process.eventfd'), 'fd'));
  expect(e).toBe(6);
  expect(field(call(h.m, 'vfio.set_irqs', { fd: 5, index: 'VFIO_PCI_MSI_IRQ_INDEX', fd0: e }), 'errno')).toBe(0n);
  return { ...h, e };
}

describe('every example', () => {
  it('checks and runs after a prelude with an edu device, its fd (d) and an eventfd (e)', () => {
    for (const b of DEVICE_HOST_BUILTINS) {
      const lines = [
        `host.pci_device("${BDF}", group: 2, model: edu)`,
        'let c = vfio.open("/dev/vfio/vfio")', 'let g = vfio.open("/dev/vfio/2")',
        'vfio.set_container(g.fd, container: c.fd)', 'vfio.set_iommu(c.fd, VFIO_TYPE1v2_IOMMU)',
        `let d = vfio.get_device_fd(g.fd, "${BDF}")`, 'let e = process.eventfd()', b.example,
      ].filter((l, i, all) => all.indexOf(l) === i);
      const { diagnostics, session } = openLab(lines.join('\n'));
      expect(diagnostics.map((x) => x.message), b.name).toEqual([]);
      session!.run();
      expect(session!.error?.message ?? null, b.name).toBe(null);
    }
  });
});

describe('device fd ioctls', () => {
  it('GET_INFO: flags PCI (2) only, 9 regions, 5 irqs; argsz 15 < offsetofend(num_irqs) = 16 is EINVAL', () => {
    const { m } = host();
    const r = call(m, 'vfio.device_info', { fd: 5 });
    expect([field(r, 'flags'), field(r, 'num_regions'), field(r, 'num_irqs'), field(r, 'cap_offset')]).toEqual([2n, 9n, 5n, 0n]);
    const bad = call(m, 'vfio.device_info', { fd: 5, argsz: 15 });
    expect([field(bad, 'errno'), field(bad, 'where'), field(bad, 'flags')]).toEqual([EINVAL, 'vfio_pci_ioctl_get_info', null]);
    // An ioctl on the container fd is no device ioctl: vfio_fops_unl_ioctl passes it to type1, which knows it not.
    expect(field(call(m, 'vfio.device_info', { fd: 3 }), 'errno')).not.toBe(0n);
  });

  it('REGION_INFO: BAR0 1 MiB at offset 0, flags 7; config 256 bytes at 7 << 40, flags 3; VGA and index 9 are EINVAL', () => {
    const { m } = host();
    const bar0 = call(m, 'vfio.region_info', { fd: 5, index: 'VFIO_PCI_BAR0_REGION_INDEX' });
    expect([field(bar0, 'size'), field(bar0, 'flags'), field(bar0, 'offset')]).toEqual([0x10_0000n, 7n, 0n]);
    const cfg = call(m, 'vfio.region_info', { fd: 5, index: 'VFIO_PCI_CONFIG_REGION_INDEX' });
    expect([field(cfg, 'size'), field(cfg, 'flags'), field(cfg, 'offset'), field(cfg, 'index')]).toEqual([256n, 3n, 7n << 40n, 7n]);
    // BAR1 does not exist on edu: size 0, flags 0, still success.
    const bar1 = call(m, 'vfio.region_info', { fd: 5, index: 'VFIO_PCI_BAR1_REGION_INDEX' });
    expect([field(bar1, 'errno'), field(bar1, 'size'), field(bar1, 'flags')]).toEqual([0n, 0n, 0n]);
    expect(field(call(m, 'vfio.region_info', { fd: 5, index: 'VFIO_PCI_VGA_REGION_INDEX' }), 'errno')).toBe(EINVAL);
    expect(field(call(m, 'vfio.region_info', { fd: 5, index: 'VFIO_PCI_BAR0_REGION_INDEX', index_raw: 9 }), 'errno')).toBe(EINVAL);
    expect(field(call(m, 'vfio.region_info', { fd: 5, index: 'VFIO_PCI_BAR0_REGION_INDEX', argsz: 31 }), 'errno')).toBe(EINVAL);
  });

  it('IRQ_INFO: INTx 1 (EVENTFD | MASKABLE | AUTOMASKED = 7), MSI 1 (EVENTFD | NORESIZE = 9), MSI-X 0; ERR is EINVAL on a non-PCIe function', () => {
    const { m } = host();
    const intx = call(m, 'vfio.irq_info', { fd: 5, index: 'VFIO_PCI_INTX_IRQ_INDEX' });
    expect([field(intx, 'count'), field(intx, 'flags')]).toEqual([1n, 7n]);
    const msi = call(m, 'vfio.irq_info', { fd: 5, index: 'VFIO_PCI_MSI_IRQ_INDEX' });
    expect([field(msi, 'count'), field(msi, 'flags'), field(msi, 'index')]).toEqual([1n, 9n, 1n]);
    expect(field(call(m, 'vfio.irq_info', { fd: 5, index: 'VFIO_PCI_MSIX_IRQ_INDEX' }), 'count')).toBe(0n);
    expect(field(call(m, 'vfio.irq_info', { fd: 5, index: 'VFIO_PCI_ERR_IRQ_INDEX' }), 'errno')).toBe(EINVAL);
    // index 5 = VFIO_PCI_NUM_IRQS: not below it.
    expect(field(call(m, 'vfio.irq_info', { fd: 5, index: 'VFIO_PCI_MSI_IRQ_INDEX', index_raw: 5 }), 'errno')).toBe(EINVAL);
  });

  it('RESET: EINVAL, edu on bus 0 has no reset method', () => {
    const { m } = host();
    const r = call(m, 'vfio.reset', { fd: 5 });
    expect([field(r, 'errno'), field(r, 'where')]).toEqual([EINVAL, 'vfio_pci_ioctl_reset']);
  });

  it('SET_IRQS refusals: more vectors than MSI has, an fd that is no eventfd (EINVAL), a closed fd (EBADF), argsz short of the data', () => {
    const { m } = host();
    const e = Number(field(call(m, 'process.eventfd'), 'fd'));
    // start 0 + count 2 > the 1 vector of edu's MSI.
    expect(field(call(m, 'vfio.set_irqs', { fd: 5, index: 'VFIO_PCI_MSI_IRQ_INDEX', fd0: e, fd1: e }), 'errno')).toBe(EINVAL);
    // eventfd_ctx_fdget(): fd 3 is the container (EINVAL), fd 99 is not open (EBADF).
    expect(field(call(m, 'vfio.set_irqs', { fd: 5, index: 'VFIO_PCI_MSI_IRQ_INDEX', fd0: 3 }), 'errno')).toBe(EINVAL);
    expect(field(call(m, 'vfio.set_irqs', { fd: 5, index: 'VFIO_PCI_MSI_IRQ_INDEX', fd0: 99 }), 'errno')).toBe(EBADF);
    // 20 + 1 x 4 = 24 needed; 23 leaves 3 bytes for one s32.
    expect(field(call(m, 'vfio.set_irqs', { fd: 5, index: 'VFIO_PCI_MSI_IRQ_INDEX', fd0: e, argsz: 23 }), 'errno')).toBe(EINVAL);
    // The failed enables left MSI off: the device writes nothing.
    expect(field(call(m, 'edu.irq', { bdf: BDF }), 'delivered')).toBe(false);
    expect(failure(() => call(m, 'vfio.set_irqs', { fd: 5, index: 'VFIO_PCI_MSI_IRQ_INDEX', fd1: e }))).toMatch(/fd1 is given but fd0 is not/);
  });

  it('SET_IRQS: the record goes to the model as the uapi struct (flags DATA_EVENTFD 4 | ACTION_TRIGGER 0x20, argsz 24)', () => {
    const { m } = withMsi();
    const rec = m.hostCalls.filter((c) => c.request === 'VFIO_DEVICE_SET_IRQS').pop()!;
    expect(rec.args).toMatchObject({ fd: 5, arg: { argsz: 24n, flags: 0x24, index: 1, start: 0, count: 1, data: [6] } });
  });
});

describe('region read and write', () => {
  it('BAR0 0x00 is edu\'s ID 0x010000ed; 0x04 reads back the complement of what was written', () => {
    const { m } = host();
    const id = call(m, 'vfio.region_read', { fd: 5, index: 'VFIO_PCI_BAR0_REGION_INDEX', offset: 0 });
    expect([field(id, 'ret'), field(id, 'value')]).toEqual([4n, 0x0100_00edn]);
    expect(field(call(m, 'vfio.region_write', { fd: 5, index: 'VFIO_PCI_BAR0_REGION_INDEX', offset: 4, value: 0x1234 }), 'ret')).toBe(4n);
    expect(field(call(m, 'vfio.region_read', { fd: 5, index: 'VFIO_PCI_BAR0_REGION_INDEX', offset: 4 }), 'value')).toBe(0xffff_edcbn);
  });

  it('config space: vendor 0x1234, device 0x11e8 (edu_class_init); an 8-byte config access and BAR0 past 1 MiB are EINVAL', () => {
    const { m } = host();
    expect(field(call(m, 'vfio.region_read', { fd: 5, index: 'VFIO_PCI_CONFIG_REGION_INDEX', offset: 0 }), 'value')).toBe(0x11e8_1234n);
    expect(field(call(m, 'vfio.region_read', { fd: 5, index: 'VFIO_PCI_CONFIG_REGION_INDEX', offset: 0, size: 8 }), 'errno')).toBe(EINVAL);
    expect(field(call(m, 'vfio.region_read', { fd: 5, index: 'VFIO_PCI_BAR0_REGION_INDEX', offset: 0x10_0000 }), 'errno')).toBe(EINVAL);
    expect(field(call(m, 'vfio.region_read', { fd: 7, index: 'VFIO_PCI_BAR0_REGION_INDEX', offset: 0 }), 'errno')).toBe(EBADF);
  });

  it('a driver\'s DMA through BAR0 with DMA_IRQ raises the MSI: src 0x10_0040, dst 0x40000, count 8, cmd RUN | IRQ = 5', () => {
    const { m, e } = withMsi();
    const w = (offset: number, value: bigint | number, size = 8) => call(m, 'vfio.region_write', { fd: 5, index: 'VFIO_PCI_BAR0_REGION_INDEX', offset, value: BigInt(value), size });
    w(0x80, 0x10_0040n); w(0x88, 0x40000n); w(0x90, 8n); w(0x98, 5n);
    // edu_dma_timer: cmd bit 1 clear = RAM -> buffer, then edu_raise_irq(DMA_IRQ 0x100) -> msi_notify.
    expect(field(call(m, 'vfio.region_read', { fd: 5, index: 'VFIO_PCI_BAR0_REGION_INDEX', offset: 0x24 }), 'value')).toBe(0x100n);
    expect(field(call(m, 'process.read_eventfd', { fd: e }), 'count')).toBe(1n);
  });
});

describe('eventfds', () => {
  it('read_eventfd: 0 before any signal; EINVAL for the container fd, EBADF for a closed one', () => {
    const { m } = host();
    const e = Number(field(call(m, 'process.eventfd'), 'fd'));
    expect(field(call(m, 'process.read_eventfd', { fd: e }), 'count')).toBe(0n);
    const c = call(m, 'process.read_eventfd', { fd: 3 });
    expect([field(c, 'errno'), field(c, 'count')]).toEqual([EINVAL, null]);
    expect(field(call(m, 'process.read_eventfd', { fd: 42 }), 'errno')).toBe(EBADF);
  });

  it('loopback: DATA_NONE with count 1 signals vector 0\'s eventfd without the device (vfio_pci_set_msi_trigger)', () => {
    const { m, e } = withMsi();
    expect(field(call(m, 'vfio.set_irqs', { fd: 5, index: 'VFIO_PCI_MSI_IRQ_INDEX', data: 'none', count: 1 }), 'errno')).toBe(0n);
    expect(field(call(m, 'process.read_eventfd', { fd: e }), 'count')).toBe(1n);
  });
});

describe('edu.dma', () => {
  it('a read returns the poked bytes from PA 0x8_1000_0040 (RAM_BASE + 256 MiB + 0x40); a host.call event records it', () => {
    const { m } = host();
    const at = m.trace.length;
    const r = call(m, 'edu.dma', { bdf: BDF, dir: 'read', iova: 0x10_0040, len: 8 });
    expect([field(r, 'ok'), field(r, 'pa'), field(r, 'data'), field(r, 'event'), field(r, 'ret')]).toEqual([true, 0x8_1000_0040n, 0x1122_3344_5566_7788n, null, 0n]);
    const ev = m.trace.slice(at).filter((x): x is HostCallEvent => x.type === 'host.call');
    expect(ev.map((x) => x.record.op)).toEqual(['dma']);
    expect(ev[0].record.args).toMatchObject({ bdf: BDF, dir: 'read', iova: 0x10_0040n, len: 8 });
  });

  it('a write lands in process memory, little-endian; 4 bytes of data read back as a 4-byte peek', () => {
    const { m, ram } = host();
    const r = call(m, 'edu.dma', { bdf: BDF, dir: 'write', iova: 0x10_1000, len: 4, data: 0xcafe_f00d });
    expect([field(r, 'ok'), field(r, 'pa')]).toEqual([true, 0x8_1000_1000n]);
    expect(call(m, 'process.peek', { addr: ram + 0x1000n, size: 4 })).toBe(0xcafe_f00dn);
  });

  it('an unmapped IOVA is F_TRANSLATION (0x10), stage 1, StreamID = RID 0x10, the input address', () => {
    const { m } = host();
    const r = call(m, 'edu.dma', { bdf: BDF, dir: 'read', iova: 0x40_0040, len: 8 });
    expect(field(r, 'ok')).toBe(false);
    expect([field(r, 'event.name'), field(r, 'event.id'), field(r, 'event.stage'), field(r, 'event.sid'), field(r, 'event.input')])
      .toEqual(['F_TRANSLATION', 0x10n, 1n, 0x10n, 0x40_0040n]);
  });

  it('a device without a model, an undeclared one and a write without data stop the program', () => {
    const m = new LabMachine();
    call(m, 'host.pci_device', { bdf: '0000:00:03.0', group: 3 });
    expect(failure(() => call(m, 'edu.dma', { bdf: '0000:00:03.0', dir: 'read', iova: 0 }))).toMatch(/no device model/);
    expect(failure(() => call(m, 'edu.irq', { bdf: BDF }))).toMatch(/no device 0000:00:02.0 is declared/);
    const { m: m2 } = host();
    expect(failure(() => call(m2, 'edu.dma', { bdf: BDF, dir: 'write', iova: 0x10_0000 }))).toMatch(/needs data/);
  });
});

describe('edu.irq', () => {
  it('before SET_IRQS: nothing is written (delivered false, no address)', () => {
    const { m } = host();
    const r = call(m, 'edu.irq', { bdf: BDF });
    expect([field(r, 'delivered'), field(r, 'addr'), field(r, 'lpi')]).toEqual([false, null, null]);
    expect(field(r, 'why')).toMatch(/not enabled/);
  });

  it('arm64_virt: 0x800_0040 -> 0x0809_0040, DeviceID 0x10, EventID 0, LPI 8192, eventfd 1', () => {
    const { m, e } = withMsi();
    const r = call(m, 'edu.irq', { bdf: BDF, vector: 0 });
    // The cookie's first IOVA 0x800_0000 + (GITS_TRANSLATER 0x0809_0040 & 0xfff); LPIs from 8192.
    expect(['delivered', 'addr', 'data', 'pa', 'device_id', 'event_id', 'lpi', 'count', 'event'].map((f) => field(r, f)))
      .toEqual([true, 0x800_0040n, 0n, 0x0809_0040n, 0x10n, 0n, 8192n, 1n, null]);
    expect(field(call(m, 'process.read_eventfd', { fd: e }), 'count')).toBe(1n);
  });

  it('after disable (DATA_NONE, count 0) the device raises nothing', () => {
    const { m, e } = withMsi();
    expect(field(call(m, 'vfio.set_irqs', { fd: 5, index: 'VFIO_PCI_MSI_IRQ_INDEX', data: 'none' }), 'errno')).toBe(0n);
    expect(field(call(m, 'edu.irq', { bdf: BDF }), 'delivered')).toBe(false);
    expect(field(call(m, 'process.read_eventfd', { fd: e }), 'count')).toBe(0n);
  });

  it('x86_vtd: the write goes to interrupt remapping, not through an IOMMU (no pa, no ITS)', () => {
    const { m, e } = withMsi('x86_vtd');
    const r = call(m, 'edu.irq', { bdf: BDF });
    // IRTE 0, remappable with SHV: 0xfee0_0000 | 1 << 4 | 1 << 3 (vtd-ir.ts, docs/host-side.md).
    expect([field(r, 'delivered'), field(r, 'addr'), field(r, 'pa'), field(r, 'lpi'), field(r, 'count')]).toEqual([true, 0xfee0_0018n, null, null, 1n]);
    expect(field(call(m, 'process.read_eventfd', { fd: e }), 'count')).toBe(1n);
  });
});
