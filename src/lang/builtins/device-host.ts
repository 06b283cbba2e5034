// The device side of the host, as a VMM drives it: eventfds (process.eventfd / read_eventfd), the
// vfio-pci device fd's ioctls and pread/pwrite (vfio.device_info, region_info, irq_info, set_irqs,
// reset, region_read, region_write), and the device acting on its own (edu.dma, edu.irq). Names
// follow the ioctl script's ops (formats/ioctl-script.md: eventfd, read_eventfd, dma, irq) and the
// uapi (include/uapi/linux/vfio.h). Every call goes to the program's HostSystem
// (src/model/host/system.ts), is recorded as a host call, and returns the kernel's answer as a record.
//
// Registers: the program reads and writes BAR0 and config space through the device fd, as a
// driver in user space does (pread/pwrite at VFIO_PCI_INDEX_TO_OFFSET(index) + offset,
// vfio_pci_rw()); edu.dma and edu.irq are the ioctl script's device actions, the device starting a
// DMA or raising an MSI itself, so a lesson need not program the edu registers by hand.

import type { LabMachine } from '../../model/lab/machine';
import type { HostResult } from '../../model/host/system';
import {
  MINSZ_IRQ_SET, SIZEOF_DEVICE_INFO, VFIO_IRQ_SET_ACTION_MASK, VFIO_IRQ_SET_ACTION_TRIGGER,
  VFIO_IRQ_SET_ACTION_UNMASK, VFIO_IRQ_SET_DATA_BOOL, VFIO_IRQ_SET_DATA_EVENTFD, VFIO_IRQ_SET_DATA_NONE,
  VFIO_PCI_CONFIG_REGION_INDEX, VFIO_PCI_ERR_IRQ_INDEX, VFIO_PCI_INDEX_TO_OFFSET, VFIO_PCI_INTX_IRQ_INDEX,
  VFIO_PCI_MSI_IRQ_INDEX, VFIO_PCI_MSIX_IRQ_INDEX, VFIO_PCI_REQ_IRQ_INDEX, VFIO_PCI_ROM_REGION_INDEX,
  VFIO_PCI_VGA_REGION_INDEX,
} from '../../model/vfio/ioctl';
import type { DoneEvent, ItsDoneEvent, TraceEvent } from '../../model/trace';
import type { SysResult } from '../../model/vfio/vfio';
import type { ArgSpec, Builtin, CallContext } from '../registry-types';
import { record, type Value } from '../values';
import { bigArg, EVENT_FIELDS, eventValue, numArg, strArg, wordArg, type Args } from './common';
import { ensureHostSystem, leBytes, leValue, sysCall, sysReturns, sysValue, U64_MAX } from './vfio-host';

/** enum VFIO_PCI_*_REGION_INDEX (vfio.h): BAR0..BAR5 are 0..5. */
const REGIONS: Readonly<Record<string, number>> = {
  VFIO_PCI_BAR0_REGION_INDEX: 0, VFIO_PCI_BAR1_REGION_INDEX: 1, VFIO_PCI_BAR2_REGION_INDEX: 2,
  VFIO_PCI_BAR3_REGION_INDEX: 3, VFIO_PCI_BAR4_REGION_INDEX: 4, VFIO_PCI_BAR5_REGION_INDEX: 5,
  VFIO_PCI_ROM_REGION_INDEX, VFIO_PCI_CONFIG_REGION_INDEX, VFIO_PCI_VGA_REGION_INDEX,
};
/** enum VFIO_PCI_*_IRQ_INDEX (vfio.h). */
const IRQS: Readonly<Record<string, number>> = {
  VFIO_PCI_INTX_IRQ_INDEX, VFIO_PCI_MSI_IRQ_INDEX, VFIO_PCI_MSIX_IRQ_INDEX, VFIO_PCI_ERR_IRQ_INDEX, VFIO_PCI_REQ_IRQ_INDEX,
  // The 2021 nesting series' DMA fault IRQ (VFIO_PCI_NUM_IRQS; kernel "5.12-nested" only).
  VFIO_PCI_DMA_FAULT_IRQ_INDEX: 5,
};
/** struct vfio_irq_set flags: one DATA_ type and one ACTION_ type, as words. */
const DATA_TYPES: Readonly<Record<string, number>> = { none: VFIO_IRQ_SET_DATA_NONE, bool: VFIO_IRQ_SET_DATA_BOOL, eventfd: VFIO_IRQ_SET_DATA_EVENTFD };
const ACTIONS: Readonly<Record<string, number>> = { trigger: VFIO_IRQ_SET_ACTION_TRIGGER, mask: VFIO_IRQ_SET_ACTION_MASK, unmask: VFIO_IRQ_SET_ACTION_UNMASK };
/** Bytes per data[] entry: vfio_set_irqs_validate_and_prepare() (0, sizeof(u8), sizeof(s32)). */
const DATA_SIZE: Readonly<Record<string, number>> = { none: 0, bool: 1, eventfd: 4 };
/** How many data[] entries set_irqs takes here (edu has one MSI vector; QEMU's msi_init allows 32). */
const MAX_DATA = 4;

const U32 = { t: 'int', min: 0n, max: 0xffff_ffffn } as const;
const FD = { t: 'int', min: 0n, max: 0x7fff_ffffn } as const;
const BDF_ARG: ArgSpec = { name: 'bdf', type: { t: 'str' }, doc: 'the device, by the PCI address host.pci_device declared ("0000:00:02.0")' };
const devFd: ArgSpec = { name: 'fd', type: FD, doc: 'a device fd (vfio.get_device_fd)' };
const argsz = (size: number, what: string): ArgSpec => ({
  name: 'argsz', type: U32, default: BigInt(size), doc: `the argument's size as the caller claims it (default ${size}, sizeof(${what}))`,
});
const indexRaw: ArgSpec = { name: 'index_raw', type: U32, default: null, doc: 'the index as a number, instead of index (to try one the device does not have)' };
const eventFields = Object.fromEntries(Object.entries(EVENT_FIELDS).map(([k, v]) => [`event.${k}`, v]));

function ioctl(m: LabMachine, ctx: CallContext, fd: number, request: string, arg?: unknown): SysResult {
  return sysCall(m, ctx, 'ioctl', request, arg === undefined ? { fd } : { fd, arg }, (h) => h.ioctl(fd, request, arg));
}

function indexOf(args: Args, table: Readonly<Record<string, number>>, ctx: CallContext): number {
  return args.index_raw === null || args.index_raw === undefined ? table[wordArg(args, 'index', ctx)] : numArg(args, 'index_raw', ctx);
}

/** A device action (dma, irq) on the host, recorded like a system call. */
function action(m: LabMachine, ctx: CallContext, op: string, args: Record<string, unknown>, f: () => HostResult): HostResult {
  let out: HostResult = { ret: 0, errno: 0, log: [] };
  sysCall(m, ctx, op, undefined, args, () => (out = f()));
  return out;
}

/** A device action's bdf: one that host.pci_device declared with a model. */
function modelled(m: LabMachine, args: Args, ctx: CallContext): string {
  const bdf = strArg(args, 'bdf', ctx).toLowerCase();
  const spec = m.hostSpec.devices.find((d) => d.bdf === bdf);
  if (spec === undefined) ctx.fail(`no device ${bdf} is declared: host.pci_device("${bdf}", group: N, model: edu) first`);
  if (spec.model !== 'edu') ctx.fail(`${bdf} has no device model: declare it with host.pci_device(..., model: edu)`);
  return bdf;
}

/** What the trace of one MSI says about its hops (docs/trace.md: dev.msi, smmu.done, its.done,
 *  msi.signal), each null when the write did not get that far. */
function journey(ev: readonly TraceEvent[]): Record<string, Value> {
  const num = (v: number | bigint | undefined): Value => (v === undefined ? null : BigInt(v));
  const msi = ev.find((e) => e.type === 'dev.msi');
  const done = ev.find((e): e is DoneEvent => e.type === 'smmu.done');
  const its = ev.find((e): e is ItsDoneEvent => e.type === 'its.done');
  const sig = ev.find((e) => e.type === 'msi.signal');
  return {
    addr: msi?.type === 'dev.msi' ? num(msi.addr) : null,
    data: msi?.type === 'dev.msi' ? num(msi.data) : null,
    pa: done?.ok === true ? num(done.pa) : null,
    device_id: num(its?.deviceId),
    event_id: num(its?.eventId),
    lpi: its?.ok === true ? num(its.intid) : null,
    count: sig?.type === 'msi.signal' ? num(sig.count) : null,
  };
}

export const DEVICE_HOST_BUILTINS: readonly Builtin<LabMachine>[] = [
  // ---- eventfds ------------------------------------------------------------------------------
  {
    name: 'process.eventfd',
    actor: 'process',
    args: [],
    returns: sysReturns('open result', 'the new fd', { fd: 'the eventfd (the same as ret)' }),
    doc: 'eventfd(0, 0): a 64-bit counter behind a new fd (fs/eventfd.c). VFIO_DEVICE_SET_IRQS attaches it to an ' +
      'interrupt vector; the host\'s handler (vfio_msihandler -> eventfd_signal) adds 1 each time the interrupt ' +
      'arrives, and QEMU (or KVM\'s irqfd) reads it to inject the guest\'s interrupt.',
    example: 'let e = process.eventfd()',
    run(m, _args, ctx) {
      const r = sysCall(m, ctx, 'eventfd', undefined, {}, (h) => h.eventfd());
      return sysValue('open result', r, [], { fd: BigInt.asUintN(64, BigInt(r.ret)) });
    },
  },
  {
    name: 'process.read_eventfd',
    actor: 'process',
    args: [{ name: 'fd', type: FD, doc: 'an eventfd' }],
    returns: sysReturns('eventfd read', 'the count, or the errno', { count: 'the counter before the read: how many times it was signalled since the last read (0: none)' }),
    doc: 'read(2) of 8 bytes from an eventfd: the counter, which goes back to 0 (eventfd_read() without ' +
      'EFD_SEMAPHORE). A read of 0 would block; here it returns 0 (count and ret, as the ioctl script\'s ' +
      'read_eventfd does). EBADF for a closed fd, EINVAL for an fd that is no eventfd.',
    example: 'let n = process.read_eventfd(e.fd)',
    run(m, args, ctx) {
      const fd = numArg(args, 'fd', ctx);
      const r = sysCall(m, ctx, 'read_eventfd', undefined, { fd }, (h) => h.readEventfd(fd));
      return sysValue('eventfd read', r, [], { count: r.errno === 0 ? BigInt(r.ret) : null });
    },
  },

  // ---- device fd ioctls ------------------------------------------------------------------------
  {
    name: 'vfio.device_info',
    actor: 'vfio',
    args: [devFd, argsz(SIZEOF_DEVICE_INFO, 'struct vfio_device_info')],
    returns: sysReturns('device info', 'ret 0 and the struct, or the errno', {
      argsz: 'argsz as given', flags: 'VFIO_DEVICE_FLAGS_RESET (1) if the device has a reset method, | VFIO_DEVICE_FLAGS_PCI (2)',
      num_regions: 'VFIO_PCI_NUM_REGIONS (9) plus device-specific regions', num_irqs: 'VFIO_PCI_NUM_IRQS (5)',
      cap_offset: '0 (no capability chain); nothing when argsz < 20',
    }),
    doc: 'VFIO_DEVICE_GET_INFO (_IO(\';\', 100 + 7)): vfio_pci_ioctl_get_info(), EINVAL for argsz < 16 ' +
      '(offsetofend num_irqs). For edu on bus 0: flags PCI only, as pci_probe_reset_function() finds no FLR, no PM ' +
      'reset and no bridge for a bus reset.',
    example: 'let info = vfio.device_info(d.fd)',
    run(m, args, ctx) {
      const r = ioctl(m, ctx, numArg(args, 'fd', ctx), 'VFIO_DEVICE_GET_INFO', { argsz: bigArg(args, 'argsz', ctx) });
      return sysValue('device info', r, ['argsz', 'flags', 'num_regions', 'num_irqs', 'cap_offset']);
    },
  },
  {
    name: 'vfio.region_info',
    actor: 'vfio',
    args: [
      devFd,
      { name: 'index', type: { t: 'word', words: Object.keys(REGIONS) }, doc: 'the region, by its uapi name (VFIO_PCI_BAR0_REGION_INDEX, VFIO_PCI_CONFIG_REGION_INDEX...)' },
      indexRaw,
      argsz(32, 'struct vfio_region_info'),
    ],
    returns: sysReturns('region info', 'ret 0 and the struct, or the errno', {
      argsz: 'argsz as given', flags: 'VFIO_REGION_INFO_FLAG_READ (1) | _WRITE (2) | _MMAP (4) | _CAPS (8)',
      index: 'the index', cap_offset: '0: no capability', size: 'the region\'s size in bytes (0: the device has none)',
      offset: 'where it starts in the device fd: VFIO_PCI_INDEX_TO_OFFSET(index) = index << 40',
    }),
    doc: 'VFIO_DEVICE_GET_REGION_INFO (_IO(\';\', 100 + 8)): vfio_pci_ioctl_get_region_info(). argsz < 32 is EINVAL; ' +
      'config space is pdev->cfg_size; a BAR its pci_resource_len, mmap-able when at least a page; VGA on a device ' +
      'that is not VGA, or an index past the regions, is EINVAL. edu: BAR0 1 MiB (READ | WRITE | MMAP = 7), ' +
      'config 256 bytes (READ | WRITE = 3), every other BAR and the ROM size 0.',
    example: 'let bar0 = vfio.region_info(d.fd, VFIO_PCI_BAR0_REGION_INDEX)',
    run(m, args, ctx) {
      const arg = { argsz: bigArg(args, 'argsz', ctx), index: indexOf(args, REGIONS, ctx) };
      return sysValue('region info', ioctl(m, ctx, numArg(args, 'fd', ctx), 'VFIO_DEVICE_GET_REGION_INFO', arg), ['argsz', 'flags', 'index', 'cap_offset', 'size', 'offset']);
    },
  },
  {
    name: 'vfio.irq_info',
    actor: 'vfio',
    args: [
      devFd,
      { name: 'index', type: { t: 'word', words: Object.keys(IRQS) }, doc: 'the interrupt type, by its uapi name (VFIO_PCI_MSI_IRQ_INDEX...)' },
      indexRaw,
      argsz(16, 'struct vfio_irq_info'),
    ],
    returns: sysReturns('irq info', 'ret 0 and the struct, or the errno', {
      argsz: 'argsz as given', flags: 'VFIO_IRQ_INFO_EVENTFD (1), | MASKABLE (2) | AUTOMASKED (4) for INTx, | NORESIZE (8) otherwise',
      index: 'the index', count: 'how many vectors (vfio_pci_get_irq_count: MSI from the capability\'s Multiple Message Capable)',
    }),
    doc: 'VFIO_DEVICE_GET_IRQ_INFO (_IO(\';\', 100 + 9)): vfio_pci_ioctl_get_irq_info(). argsz < 16 or an index ' +
      '>= VFIO_PCI_NUM_IRQS is EINVAL, and so is the ERR index of a function that is not PCI Express. edu: INTx 1, ' +
      'MSI 1 (msi_init with one vector), MSI-X 0, REQ 1.',
    example: 'let msi = vfio.irq_info(d.fd, VFIO_PCI_MSI_IRQ_INDEX)',
    run(m, args, ctx) {
      const arg = { argsz: bigArg(args, 'argsz', ctx), index: indexOf(args, IRQS, ctx) };
      return sysValue('irq info', ioctl(m, ctx, numArg(args, 'fd', ctx), 'VFIO_DEVICE_GET_IRQ_INFO', arg), ['argsz', 'flags', 'index', 'count']);
    },
  },
  {
    name: 'vfio.set_irqs',
    actor: 'vfio',
    args: [
      devFd,
      { name: 'index', type: { t: 'word', words: Object.keys(IRQS) }, doc: 'the interrupt type, by its uapi name' },
      { name: 'data', type: { t: 'word', words: Object.keys(DATA_TYPES) }, default: { kind: 'word', word: 'eventfd' }, doc: 'VFIO_IRQ_SET_DATA_EVENTFD (eventfd: fd0.. are eventfds), _BOOL (bool: fd0.. are 0 or 1) or _NONE (none)' },
      { name: 'action', type: { t: 'word', words: Object.keys(ACTIONS) }, default: { kind: 'word', word: 'trigger' }, doc: 'VFIO_IRQ_SET_ACTION_TRIGGER (trigger), _MASK (mask) or _UNMASK (unmask)' },
      { name: 'start', type: U32, default: 0n, doc: 'the first vector' },
      { name: 'count', type: U32, default: null, doc: 'how many vectors; left out: as many as fd0.. are given (0 with none: with data: none, that disables)' },
      ...Array.from({ length: MAX_DATA }, (_, i): ArgSpec => ({
        name: `fd${i}`, type: { t: 'int', min: 0n, max: U64_MAX }, default: null,
        doc: `data[${i}]: vector start + ${i}'s eventfd (-1 releases it) with data: eventfd, or 0/1 with data: bool`,
      })),
      { name: 'flags_raw', type: U32, default: null, doc: 'the flags as a number, instead of data and action' },
      { name: 'argsz', type: U32, default: null, doc: 'the argument\'s size; left out: 20 (the header) + count x the entry size (4 for eventfds, 1 for bools)' },
    ],
    returns: sysReturns('sys result', '0, or the errno'),
    doc: 'VFIO_DEVICE_SET_IRQS (_IO(\';\', 100 + 10)): vfio_set_irqs_validate_and_prepare() checks argsz >= 20, the ' +
      'index, start + count against the vectors the index has, exactly one DATA_ type, and that argsz holds the data ' +
      '(EINVAL); then vfio_pci_set_msi_trigger(). MSI with eventfds the first time is vfio_msi_enable(): ' +
      'pci_alloc_irq_vectors() makes the ITS driver MAPD the DeviceID (the RID) and MAPTI an EventID to an LPI ' +
      '(from 8192), iommu_dma_prepare_msi() maps the ITS doorbell page at the MSI cookie\'s IOVA (0x800_0000 first) ' +
      'and the device\'s MSI capability gets that address + 0x40 and the EventID; then each eventfd is attached ' +
      '(EBADF or EINVAL for an fd that is no eventfd). data: none with count 0 disables (vfio_msi_disable); with ' +
      'count > 0, or data: bool, it signals the eventfds as if the interrupt had fired (loopback).',
    example: 'vfio.set_irqs(d.fd, VFIO_PCI_MSI_IRQ_INDEX, data: eventfd, fd0: e.fd)',
    run(m, args, ctx) {
      const dataType = wordArg<string>(args, 'data', ctx);
      const fds: number[] = [];
      for (let i = 0; i < MAX_DATA; i++) {
        const v = args[`fd${i}`];
        if (v === null || v === undefined) continue;
        if (fds.length !== i) ctx.fail(`fd${i} is given but fd${fds.length} is not: data[] entries go in order`);
        fds.push(Number(BigInt.asIntN(32, bigArg(args, `fd${i}`, ctx))));      // an s32 in the uapi
      }
      const count = args.count === null || args.count === undefined ? fds.length : numArg(args, 'count', ctx);
      const flags = args.flags_raw === null || args.flags_raw === undefined
        ? DATA_TYPES[dataType] | ACTIONS[wordArg<string>(args, 'action', ctx)] : numArg(args, 'flags_raw', ctx);
      const size = args.argsz === null || args.argsz === undefined ? BigInt(MINSZ_IRQ_SET + count * DATA_SIZE[dataType]) : bigArg(args, 'argsz', ctx);
      const arg: Record<string, unknown> = { argsz: size, flags, index: IRQS[wordArg(args, 'index', ctx)], start: numArg(args, 'start', ctx), count };
      if (fds.length > 0) arg.data = fds;
      return sysValue('sys result', ioctl(m, ctx, numArg(args, 'fd', ctx), 'VFIO_DEVICE_SET_IRQS', arg));
    },
  },
  {
    name: 'vfio.reset',
    actor: 'vfio',
    args: [devFd],
    returns: sysReturns('sys result', '0, or the errno'),
    doc: 'VFIO_DEVICE_RESET (_IO(\';\', 100 + 11)): vfio_pci_ioctl_reset() is EINVAL when the device has no reset ' +
      'method (vdev->reset_works: device_info\'s flags lack VFIO_DEVICE_FLAGS_RESET), as edu on bus 0 has none.',
    example: 'let rst = vfio.reset(d.fd)',
    run(m, args, ctx) {
      return sysValue('sys result', ioctl(m, ctx, numArg(args, 'fd', ctx), 'VFIO_DEVICE_RESET'));
    },
  },

  // ---- pread / pwrite of a region ------------------------------------------------------------------
  {
    name: 'vfio.region_read',
    actor: 'vfio',
    args: [
      devFd,
      { name: 'index', type: { t: 'word', words: Object.keys(REGIONS) }, doc: 'the region, by its uapi name' },
      { name: 'offset', type: { t: 'int', min: 0n, max: (1n << 40n) - 1n }, doc: 'the offset inside the region' },
      { name: 'size', type: { t: 'int', min: 1n, max: 8n }, default: 4n, doc: 'bytes: 1, 2, 4 or 8 (config space: up to 4, aligned)' },
      indexRaw,
    ],
    returns: sysReturns('region read', 'the bytes read in ret and the value, or the errno', { value: 'the value read (little-endian), nothing on failure' }),
    doc: 'pread(fd, size, VFIO_PCI_INDEX_TO_OFFSET(index) + offset) on a device fd: vfio_pci_rw(). Config space ' +
      'comes from vfio-pci\'s virtualised copy (the MSI capability the user sees is not the host\'s message); a ' +
      'BAR read goes to the device (edu\'s 0x00 is its ID, 0x010000ed) and is EIO while memory decode is off in the ' +
      'virtual command register; outside the region, EINVAL.',
    example: 'let id = vfio.region_read(d.fd, VFIO_PCI_BAR0_REGION_INDEX, offset: 0)',
    run(m, args, ctx) {
      const fd = numArg(args, 'fd', ctx), size = numArg(args, 'size', ctx);
      const offset = VFIO_PCI_INDEX_TO_OFFSET(indexOf(args, REGIONS, ctx)) + bigArg(args, 'offset', ctx);
      const r = sysCall(m, ctx, 'pread', undefined, { fd, offset, size }, (h) => h.deviceRw(fd, offset, size));
      return sysValue('region read', r, ['value']);
    },
  },
  {
    name: 'vfio.region_write',
    actor: 'vfio',
    args: [
      devFd,
      { name: 'index', type: { t: 'word', words: Object.keys(REGIONS) }, doc: 'the region, by its uapi name' },
      { name: 'offset', type: { t: 'int', min: 0n, max: (1n << 40n) - 1n }, doc: 'the offset inside the region' },
      { name: 'value', type: { t: 'int', min: 0n, max: U64_MAX }, doc: 'the value, little-endian' },
      { name: 'size', type: { t: 'int', min: 1n, max: 8n }, default: 4n, doc: 'bytes: 1, 2, 4 or 8 (config space: up to 4, aligned)' },
      indexRaw,
    ],
    returns: sysReturns('sys result', 'the bytes written in ret, or the errno'),
    doc: 'pwrite() on a device fd: vfio_pci_rw(). A BAR write reaches the device\'s registers as a driver\'s store ' +
      'would (edu: 0x80 DMA source, 0x88 destination, 0x90 count, 0x98 command; 0x60 raises an interrupt); a config ' +
      'write changes vfio-pci\'s virtual copy, and only the command register\'s bits reach the device.',
    example: 'vfio.region_write(d.fd, VFIO_PCI_BAR0_REGION_INDEX, offset: 4, value: 0x1234)',
    run(m, args, ctx) {
      const fd = numArg(args, 'fd', ctx), size = numArg(args, 'size', ctx), value = bigArg(args, 'value', ctx);
      const offset = VFIO_PCI_INDEX_TO_OFFSET(indexOf(args, REGIONS, ctx)) + bigArg(args, 'offset', ctx);
      return sysValue('sys result', sysCall(m, ctx, 'pwrite', undefined, { fd, offset, size, value }, (h) => h.deviceRw(fd, offset, size, value)));
    },
  },

  // ---- the device acts ---------------------------------------------------------------------------------
  {
    name: 'edu.dma',
    actor: 'edu',
    args: [
      BDF_ARG,
      { name: 'dir', type: { t: 'word', words: ['read', 'write'] }, doc: 'read: memory to the device\'s buffer; write: the buffer to memory' },
      { name: 'iova', type: { t: 'int', min: 0n, max: U64_MAX }, doc: 'the bus address the device uses (edu_clamp_addr ANDs it with its 28-bit DMA mask)' },
      { name: 'len', type: { t: 'int', min: 1n, max: 4096n }, default: 8n, doc: 'bytes, at most the 4096-byte DMA buffer' },
      { name: 'data', type: { t: 'int', min: 0n, max: U64_MAX }, default: null, doc: 'for a write: the value, little-endian in the first 8 bytes (zeros after)' },
    ],
    returns: sysReturns('edu dma result', 'ret 0 (a device action, not a system call) and what happened', {
      ok: 'whether every byte went through',
      pa: 'the PA the IOMMU produced for the first byte, or nothing',
      data: 'a read: the first 8 bytes (or len, if fewer) as a little-endian number; nothing otherwise',
      event: 'the SMMU event that stopped it (arm64_virt), or nothing',
      ...eventFields,
    }),
    doc: 'QEMU\'s edu runs a DMA (edu_dma_timer: pci_dma_read or pci_dma_write), as if its driver had programmed ' +
      'src, dst, count and cmd with the buffer at 0x40000: the request carries the device\'s RID as StreamID, the ' +
      'SMMU translates it through the kernel\'s domain (the STE, the CD with its ASID, the page tables VFIO\'s ' +
      'MAP_DMA filled), and the bytes come from or go to the pinned host page. A fault is the SMMU\'s event record ' +
      '(consumed by the host\'s arm_smmu_evtq_thread); on x86_vtd a fault has no event, only why.',
    example: 'let r = edu.dma("0000:00:02.0", read, iova: 0x10_0000, len: 8)',
    run(m, args, ctx) {
      const bdf = modelled(m, args, ctx);
      const dir = wordArg<'read' | 'write'>(args, 'dir', ctx), iova = bigArg(args, 'iova', ctx), len = numArg(args, 'len', ctx);
      const data = args.data === null || args.data === undefined ? undefined : leBytes(bigArg(args, 'data', ctx), len);
      if (dir === 'write' && data === undefined) ctx.fail('a DMA write needs data: the value the device writes');
      const h = ensureHostSystem(m, ctx);
      const r = action(m, ctx, 'dma', { bdf, dir, iova, len, ...(data !== undefined ? { data } : {}) }, () => h.dma(bdf, dir, iova, len, data));
      const extra: Record<string, Value> = {
        ok: r.ok ?? false, pa: r.pa ?? null, data: r.data !== undefined ? leValue(r.data) : null,
        event: r.event === undefined || r.event === null ? null : eventValue(r.event),
      };
      return sysValue('edu dma result', r, [], extra);
    },
  },
  {
    name: 'edu.irq',
    actor: 'edu',
    args: [BDF_ARG, { name: 'vector', type: { t: 'int', min: 0n, max: 31n }, default: 0n, doc: 'the MSI vector (edu has one: 0)' }],
    returns: sysReturns('irq result', 'ret 0 (a device action, not a system call) and what happened', {
      delivered: 'the MSI reached the interrupt controller and became an interrupt (then the vector\'s eventfd was signalled)',
      addr: 'the message address the device wrote to (an IOVA on arm64_virt), nothing if it wrote nothing',
      data: 'the message data it wrote (on arm64_virt the EventID), nothing if it wrote nothing',
      pa: 'where the SMMU sent the write (GITS_TRANSLATER when all is well), nothing without a translation',
      device_id: 'the DeviceID the ITS used (the StreamID), nothing if the write never reached it',
      event_id: 'the EventID the ITS used (the data), nothing if the write never reached it',
      lpi: 'the LPI (INTID, from 8192) the ITS made pending, nothing if none',
      count: 'the eventfd\'s counter after the host\'s handler signalled it, nothing if no eventfd was signalled',
      event: 'the SMMU event that stopped the write, or nothing',
      ...eventFields,
    }),
    doc: 'The device raises MSI vector `vector` (edu_raise_irq -> msi_notify): a 32-bit write of the message data to ' +
      'the message address its MSI capability holds. On arm64_virt the address is an IOVA (the MSI cookie\'s ' +
      'doorbell mapping, 0x800_0040) that the SMMU translates like any DMA write to GITS_TRANSLATER (0x0809_0040); ' +
      'the ITS takes DeviceID = the StreamID and EventID = the data to an LPI, and the host\'s handler signals the ' +
      'eventfd. Without MSI enabled (SET_IRQS) nothing is written: delivered is false and why says so.',
    example: 'let i = edu.irq("0000:00:02.0", vector: 0)',
    run(m, args, ctx) {
      const bdf = modelled(m, args, ctx), vector = numArg(args, 'vector', ctx);
      const h = ensureHostSystem(m, ctx);
      const from = m.trace.length;
      const r = action(m, ctx, 'irq', { bdf, vector }, () => h.irq(bdf, vector));
      return sysValue('irq result', r, [], {
        delivered: r.delivered ?? false, ...journey(m.trace.slice(from)),
        event: r.event === undefined || r.event === null ? null : eventValue(r.event),
      });
    },
  },
];
