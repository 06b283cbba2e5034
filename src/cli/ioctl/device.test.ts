import { describe, expect, it } from 'vitest';
import { runIoctlText } from './run';

// The device side through the CLI, on HostSystem (src/model/host): process memory, the edu
// device's DMA through the SMMU, MSI through the SMMU to the ITS and the eventfd, BAR0 and
// config space through the device fd. Expected values are derived by hand from the rule named
// beside each.

const EDU = '0000:00:02.0';
// PCI requester ID = bus << 8 | device << 3 | function: 0000:00:02.0 -> 0x10, the StreamID and
// the ITS DeviceID on QEMU virt (IORT/DT identity map, docs/host-side.md).
const EDU_SID = 0x10;

const script = (calls: unknown[], platform: Record<string, unknown> = { machine: 'arm64-virt', smmu_stage: 's1' }) => JSON.stringify({
  format: 'iommu-lab/ioctl-script@1',
  kernel: '6.12',
  platform,
  devices: [{ bdf: EDU, group: 2, model: 'edu' }],
  process: { rlimit_memlock: '0x4000000' },
  calls,
});

/** QEMU's setup: container, group 2, TYPE1v2, 4 MiB of process memory, 64 KiB of it mapped at
 *  iova 0x100000, the device fd. */
const SETUP = [
  { op: 'open', path: '/dev/vfio/vfio', as: 'container' },
  { op: 'open', path: '/dev/vfio/2', as: 'group' },
  { op: 'ioctl', fd: '$group', request: 'VFIO_GROUP_SET_CONTAINER', arg: { fd: '$container' } },
  { op: 'ioctl', fd: '$container', request: 'VFIO_SET_IOMMU', arg: 3 },
  { op: 'mmap', length: '0x400000', as: 'mem' },
  { op: 'ioctl', fd: '$container', request: 'VFIO_IOMMU_MAP_DMA', arg: { argsz: 32, flags: 3, vaddr: '$mem+0x10000', iova: '0x100000', size: '0x10000' } },
  { op: 'ioctl', fd: '$group', request: 'VFIO_GROUP_GET_DEVICE_FD', arg: EDU, as: 'device' },
];
const N = SETUP.length;

function run(calls: unknown[], platform?: Record<string, unknown>): Record<string, unknown>[] {
  const r = runIoctlText(script([...SETUP, ...calls], platform));
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const lines = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  // The setup itself: every call succeeds, the device fd is 5 (3 and 4 are the container and group).
  expect(lines.slice(0, N).map((l) => [l.ret, l.errno])).toEqual([[3, 0], [4, 0], [0, 0], [0, 0], ['0x7effffc00000', 0], [0, 0], [5, 0]]);
  return lines.slice(N);
}

describe('ioctl device side (HostSystem)', () => {
  it('poke, then the device reads the bytes by DMA at the PA the SMMU produced; a DMA write lands in process memory', () => {
    const out = run([
      { op: 'poke', addr: '$mem+0x10040', data: 'deadbeef' },
      { op: 'dma', bdf: EDU, dir: 'read', iova: '0x100040', len: 4 },
      { op: 'dma', bdf: EDU, dir: 'write', iova: '0x100080', len: 2, data: 'cafe' },
      { op: 'peek', addr: '$mem+0x10080', len: 2 },
    ]);
    // $mem is at PA 0x8_1000_0000 (RAM_BASE + 256 MiB, pin.ts and host/system.ts); iova 0x100000
    // maps $mem + 0x10000, so iova 0x100040 is PA 0x8_1001_0040 and 0x100080 is 0x8_1001_0080.
    expect(out).toEqual([
      { i: N, op: 'poke', ret: 0, errno: 0 },
      { i: N + 1, op: 'dma', ret: 0, errno: 0, ok: true, data: 'deadbeef', pa: '0x810010040' },
      { i: N + 2, op: 'dma', ret: 0, errno: 0, ok: true, pa: '0x810010080' },
      { i: N + 3, op: 'peek', ret: 0, errno: 0, data: 'cafe' },
    ]);
  });

  it('a DMA to an unmapped IOVA: F_TRANSLATION (0x10) at stage 1, class IN, from StreamID 0x10', () => {
    // 0x110000 is just past the 64 KiB mapping: the stage-1 walk finds no descriptor
    // (SMMUv3 event 0x10 F_TRANSLATION; CLASS IN: the input address itself was being translated).
    const [dma] = run([{ op: 'dma', bdf: EDU, dir: 'read', iova: '0x110000', len: 4 }]);
    expect(JSON.stringify(dma)).toBe(
      `{"i":${N},"op":"dma","ret":0,"errno":0,"ok":false,"event":{"id":16,"name":"F_TRANSLATION","sid":${EDU_SID},"stage":1,"class":"IN","input":"0x110000"}}`);
  });

  it('a stage-2 SMMU: the same fault is a stage-2 one, with the IPA', () => {
    // smmu_stage "s2": the kernel's domains use stage 2, so the IOVA is the IPA (S2 = 1 -> stage 2).
    const [dma] = run([{ op: 'dma', bdf: EDU, dir: 'read', iova: '0x110000', len: 4 }], { machine: 'arm64-virt', smmu_stage: 's2' });
    expect(dma).toMatchObject({ ok: false, event: { id: 16, name: 'F_TRANSLATION', sid: EDU_SID, stage: 2, class: 'IN', input: '0x110000', ipa: '0x110000' } });
  });

  it('SET_IRQS with an eventfd, then the device raises MSI 0: delivered, the eventfd counts 1 and read empties it', () => {
    const out = run([
      { op: 'eventfd', as: 'efd' },
      // struct vfio_irq_set: argsz = offsetofend(count) 20 + one s32 eventfd = 24; flags
      // VFIO_IRQ_SET_DATA_EVENTFD (1 << 2) | VFIO_IRQ_SET_ACTION_TRIGGER (1 << 5) = 0x24;
      // index VFIO_PCI_MSI_IRQ_INDEX = 1 (include/uapi/linux/vfio.h).
      { op: 'ioctl', fd: '$device', request: 'VFIO_DEVICE_SET_IRQS', arg: { argsz: 24, flags: '0x24', index: 1, start: 0, count: 1, data: ['$efd'] } },
      { op: 'read_eventfd', fd: '$efd' },
      { op: 'irq', bdf: EDU, vector: 0 },
      { op: 'read_eventfd', fd: '$efd' },
      { op: 'read_eventfd', fd: '$efd' },
    ]);
    expect(out).toEqual([
      { i: N, op: 'eventfd', ret: 6, errno: 0 },
      { i: N + 1, op: 'ioctl', request: 'VFIO_DEVICE_SET_IRQS', ret: 0, errno: 0 },
      // Nothing signalled yet: the script's read_eventfd returns 0 (formats/ioctl-script.md).
      { i: N + 2, op: 'read_eventfd', ret: 0, errno: 0 },
      // The MSI write goes to the cookie IOVA 0x8000040 (GITS_TRANSLATER's page offset 0x40),
      // which the MSI cookie maps to 0x08090040; the ITS turns DeviceID 0x10, EventID 0 into
      // LPI 8192 and vfio_msihandler() signals the eventfd: 1.
      { i: N + 3, op: 'irq', ret: 0, errno: 0, delivered: true },
      { i: N + 4, op: 'read_eventfd', ret: 1, errno: 0 },
      // eventfd_read() without EFD_SEMAPHORE took the whole count.
      { i: N + 5, op: 'read_eventfd', ret: 0, errno: 0 },
    ]);
  });

  it('an MSI before SET_IRQS enabled it is not delivered', () => {
    const [irq] = run([{ op: 'irq', bdf: EDU, vector: 0 }]);
    expect(irq).toEqual({ i: N, op: 'irq', ret: 0, errno: 0, delivered: false });
  });

  it('BAR0 and config space through the device fd', () => {
    const out = run([
      { op: 'mmio', bdf: EDU, bar: 0, offset: 0, size: 4 },
      { op: 'mmio', bdf: EDU, bar: 0, offset: 4, size: 4, value: '0x12345678' },
      { op: 'mmio', bdf: EDU, bar: 0, offset: 4, size: 4 },
      { op: 'config', bdf: EDU, offset: 0, size: 4 },
    ]);
    expect(out).toEqual([
      // edu_mmio_read(): 0x00 is the identification register 0x010000ed.
      { i: N, op: 'mmio', ret: 0, errno: 0, value: '0x10000ed' },
      { i: N + 1, op: 'mmio', ret: 0, errno: 0 },
      // 0x04 liveness: reads back the bitwise NOT of what was written, ~0x12345678 = 0xedcba987.
      { i: N + 2, op: 'mmio', ret: 0, errno: 0, value: '0xedcba987' },
      // Config dword 0: device ID 0x11e8 << 16 | vendor ID 0x1234 (edu_class_init()).
      { i: N + 3, op: 'config', ret: 0, errno: 0, value: '0x11e81234' },
    ]);
  });

  it('device fd ioctls: GET_INFO and a number resolved to its device-fd name', () => {
    const out = run([
      { op: 'ioctl', fd: '$device', request: 'VFIO_DEVICE_GET_INFO', arg: { argsz: 16 } },
      // VFIO_BASE + 9 = 0x3b6d is VFIO_DEVICE_GET_IRQ_INFO on a device fd.
      { op: 'ioctl', fd: '$device', request: '0x3b6d', arg: { argsz: 16, index: 1 } },
    ]);
    // vfio_pci_ioctl_get_info(): flags VFIO_DEVICE_FLAGS_PCI (1 << 1), no RESET on the root bus
    // (edu has no FLR, no PM reset, and a bus reset needs a bridge above); num_regions
    // VFIO_PCI_NUM_REGIONS 9, num_irqs VFIO_PCI_NUM_IRQS 5; argsz 16 leaves out cap_offset.
    expect(out[0]).toEqual({ i: N, op: 'ioctl', request: 'VFIO_DEVICE_GET_INFO', ret: 0, errno: 0, out: { argsz: 16, flags: 2, num_regions: 9, num_irqs: 5 } });
    // vfio_pci_ioctl_get_irq_info(): MSI with one vector (msi_init(pdev, 0, 1, ...)): flags
    // EVENTFD (1 << 0) | NORESIZE (1 << 3) = 9, count 1.
    expect(out[1]).toEqual({ i: N + 1, op: 'ioctl', request: 'VFIO_DEVICE_GET_IRQ_INFO', ret: 0, errno: 0, out: { argsz: 16, flags: 9, index: 1, count: 1 } });
  });

  it('x86-vtd: DMA through the domain\'s page table; an unmapped IOVA fails without an SMMU event', () => {
    const out = run([
      { op: 'poke', addr: '$mem+0x10000', data: '0102' },
      { op: 'dma', bdf: EDU, dir: 'read', iova: '0x100000', len: 2 },
      { op: 'dma', bdf: EDU, dir: 'read', iova: '0x110000', len: 2 },
    ], { machine: 'x86-vtd' });
    // x86-vtd's hostRamBase 0x1_0000_0000 + 256 MiB (platform.ts, pin.ts): $mem at 0x1_1000_0000,
    // $mem + 0x10000 at 0x1_1001_0000.
    expect(out[1]).toEqual({ i: N + 1, op: 'dma', ret: 0, errno: 0, ok: true, data: '0102', pa: '0x110010000' });
    expect(out[2]).toEqual({ i: N + 2, op: 'dma', ret: 0, errno: 0, ok: false });
  });
});
