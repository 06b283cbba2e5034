// vfio-pci device fd ioctls for QEMU's edu, each expectation from the kernel function named
// (Linux 6.12 drivers/vfio/pci/vfio_pci_core.c, vfio_pci_intrs.c, drivers/vfio/vfio_main.c).

import { describe, expect, it } from 'vitest';
import { HostSystem } from '../host/system';
import { ERRNO } from './errno';

function open(bdf = '0000:00:02.0', more: { bdf: string; group: number; model?: string }[] = []) {
  const h = new HostSystem({ platform: { machine: 'arm64-virt' }, devices: [{ bdf, group: 2, model: 'edu' }, ...more] });
  const c = Number(h.open('/dev/vfio/vfio').ret);
  const g = Number(h.open('/dev/vfio/2').ret);
  h.ioctl(g, 'VFIO_GROUP_SET_CONTAINER', { fd: c });
  h.ioctl(c, 'VFIO_SET_IOMMU', 3);
  const d = Number(h.ioctl(g, 'VFIO_GROUP_GET_DEVICE_FD', bdf).ret);
  return { h, c, g, d };
}

describe('VFIO_DEVICE_GET_INFO (vfio_pci_ioctl_get_info)', () => {
  it('argsz below offsetofend(num_irqs) = 16: EINVAL', () => {
    const { h, d } = open();
    expect(h.ioctl(d, 'VFIO_DEVICE_GET_INFO', { argsz: 15 }).errno).toBe(ERRNO.EINVAL);
  });
  it('an unreadable argument: EFAULT (copy_from_user)', () => {
    const { h, d } = open();
    expect(h.ioctl(d, 'VFIO_DEVICE_GET_INFO', null).errno).toBe(ERRNO.EFAULT);
  });
  it('edu on the root bus: flags PCI only (1 << 1: no reset method), 9 regions, 5 irqs', () => {
    const { h, d } = open();
    expect(h.ioctl(d, 'VFIO_DEVICE_GET_INFO', { argsz: 24 }).out).toEqual({ argsz: 24, flags: 2, num_regions: 9, num_irqs: 5, cap_offset: 0 });
  });
  it('edu alone on bus 1 (below a bridge): a bus reset works, flags RESET | PCI = 3, and VFIO_DEVICE_RESET returns 0', () => {
    const { h, d } = open('0000:01:00.0');
    expect(h.ioctl(d, 'VFIO_DEVICE_GET_INFO', { argsz: 16 }).out?.flags).toBe(3);
    expect(h.ioctl(d, 'VFIO_DEVICE_RESET').errno).toBe(0);
  });
});

describe('VFIO_DEVICE_GET_REGION_INFO (vfio_pci_ioctl_get_region_info)', () => {
  const info = (index: number, argsz = 32) => { const { h, d } = open(); return h.ioctl(d, 'VFIO_DEVICE_GET_REGION_INFO', { argsz, index }); };
  it('BAR0: 1 MiB (edu-mmio), READ | WRITE | MMAP = 7, offset 0', () => {
    expect(info(0).out).toMatchObject({ index: 0, size: 0x100000n, flags: 7, offset: 0n });
  });
  it('BAR1: no BAR, size 0, flags 0, offset 1 << 40', () => {
    expect(info(1).out).toMatchObject({ size: 0n, flags: 0, offset: 1n << 40n });
  });
  it('ROM (6): no ROM, size 0, flags 0', () => {
    expect(info(6).out).toMatchObject({ size: 0n, flags: 0, offset: 6n << 40n });
  });
  it('config (7): 256 bytes (conventional PCI), READ | WRITE, offset 7 << 40', () => {
    expect(info(7).out).toMatchObject({ size: 256n, flags: 3, offset: 7n << 40n });
  });
  it('VGA (8): EINVAL (!vdev->has_vga); index 9: EINVAL; argsz 31: EINVAL', () => {
    expect(info(8).errno).toBe(ERRNO.EINVAL);
    expect(info(9).errno).toBe(ERRNO.EINVAL);
    expect(info(0, 31).errno).toBe(ERRNO.EINVAL);
  });
});

describe('VFIO_DEVICE_GET_IRQ_INFO (vfio_pci_ioctl_get_irq_info, vfio_pci_get_irq_count)', () => {
  const irq = (index: number) => { const { h, d } = open(); return h.ioctl(d, 'VFIO_DEVICE_GET_IRQ_INFO', { argsz: 16, index }); };
  it('INTx: pin 1 -> count 1; EVENTFD | MASKABLE | AUTOMASKED = 7', () => {
    expect(irq(0).out).toMatchObject({ count: 1, flags: 7 });
  });
  it('MSI: QMASK 0 -> 1 vector; EVENTFD | NORESIZE = 9', () => {
    expect(irq(1).out).toMatchObject({ count: 1, flags: 9 });
  });
  it('MSI-X: no capability -> count 0, flags 9 (no dynamic MSI-X)', () => {
    expect(irq(2).out).toMatchObject({ count: 0, flags: 9 });
  });
  it('ERR: edu is not PCI Express -> EINVAL; REQ: count 1, flags 9; index 5: EINVAL', () => {
    expect(irq(3).errno).toBe(ERRNO.EINVAL);
    expect(irq(4).out).toMatchObject({ count: 1, flags: 9 });
    expect(irq(5).errno).toBe(ERRNO.EINVAL);
  });
});

describe('VFIO_DEVICE_SET_IRQS (vfio_set_irqs_validate_and_prepare, vfio_pci_set_msi_trigger)', () => {
  const TRIGGER_EVENTFD = 0x24, TRIGGER_NONE = 0x21;
  it('start 1 on MSI (1 vector): EINVAL (start >= num_irqs)', () => {
    const { h, d } = open();
    const e = Number(h.eventfd().ret);
    expect(h.ioctl(d, 'VFIO_DEVICE_SET_IRQS', { argsz: 24, flags: TRIGGER_EVENTFD, index: 1, start: 1, count: 1, data: [e] }).errno).toBe(ERRNO.EINVAL);
  });
  it('argsz 20 with one eventfd: EINVAL (argsz - minsz < count * sizeof(int32))', () => {
    const { h, d } = open();
    const e = Number(h.eventfd().ret);
    expect(h.ioctl(d, 'VFIO_DEVICE_SET_IRQS', { argsz: 20, flags: TRIGGER_EVENTFD, index: 1, start: 0, count: 1, data: [e] }).errno).toBe(ERRNO.EINVAL);
  });
  it('two DATA_ flags at once: EINVAL; an unknown flag bit: EINVAL', () => {
    const { h, d } = open();
    expect(h.ioctl(d, 'VFIO_DEVICE_SET_IRQS', { argsz: 24, flags: 0x23, index: 1, start: 0, count: 0 }).errno).toBe(ERRNO.EINVAL);
    expect(h.ioctl(d, 'VFIO_DEVICE_SET_IRQS', { argsz: 24, flags: 0x40 | 0x21, index: 1, start: 0, count: 0 }).errno).toBe(ERRNO.EINVAL);
  });
  it('ACTION_MASK on MSI: ENOTTY (vfio_pci_set_irqs_ioctl has no handler)', () => {
    const { h, d } = open();
    expect(h.ioctl(d, 'VFIO_DEVICE_SET_IRQS', { argsz: 20, flags: 0x09, index: 1, start: 0, count: 0 }).errno).toBe(ERRNO.ENOTTY);
  });
  it('an fd that is not an eventfd: EINVAL; a closed fd: EBADF (eventfd_ctx_fdget); MSI stays disabled', () => {
    const { h, d, c } = open();
    expect(h.ioctl(d, 'VFIO_DEVICE_SET_IRQS', { argsz: 24, flags: TRIGGER_EVENTFD, index: 1, start: 0, count: 1, data: [c] }).errno).toBe(ERRNO.EINVAL);
    expect(h.ioctl(d, 'VFIO_DEVICE_SET_IRQS', { argsz: 24, flags: TRIGGER_EVENTFD, index: 1, start: 0, count: 1, data: [99] }).errno).toBe(ERRNO.EBADF);
    expect(h.functions.get('0000:00:02.0')!.configRead(0x42, 2) & 1).toBe(0);
  });
  it('DATA_NONE | TRIGGER with MSI off: EINVAL (!irq_is(vdev, index)); loopback with MSI on signals the eventfd', () => {
    const { h, d } = open();
    expect(h.ioctl(d, 'VFIO_DEVICE_SET_IRQS', { argsz: 20, flags: TRIGGER_NONE, index: 1, start: 0, count: 1 }).errno).toBe(ERRNO.EINVAL);
    const e = Number(h.eventfd().ret);
    expect(h.ioctl(d, 'VFIO_DEVICE_SET_IRQS', { argsz: 24, flags: TRIGGER_EVENTFD, index: 1, start: 0, count: 1, data: [e] }).errno).toBe(0);
    expect(h.ioctl(d, 'VFIO_DEVICE_SET_IRQS', { argsz: 20, flags: TRIGGER_NONE, index: 1, start: 0, count: 1 }).errno).toBe(0);
    expect(h.readEventfd(e).ret).toBe(1n);
  });
});

describe('other device fd requests', () => {
  it('VFIO_DEVICE_RESET on the root bus: EINVAL (!vdev->reset_works)', () => {
    const { h, d } = open();
    expect(h.ioctl(d, 'VFIO_DEVICE_RESET').errno).toBe(ERRNO.EINVAL);
  });
  it('a container request on a device fd: ENOTTY (vfio_pci_core_ioctl default); BIND_IOMMUFD on a group-opened fd: EINVAL', () => {
    const { h, d } = open();
    expect(h.ioctl(d, 'VFIO_CHECK_EXTENSION', 3).errno).toBe(ERRNO.ENOTTY);
    expect(h.ioctl(d, 'VFIO_DEVICE_BIND_IOMMUFD', { argsz: 16 }).errno).toBe(ERRNO.EINVAL);
  });
});

describe('edu through the device fd (config and BAR0 at VFIO_PCI_INDEX_TO_OFFSET)', () => {
  it('config: vendor 0x1234, device 0x11e8 (edu_class_init), class word 0x00ff, capability list at 0x40 (msi_init offset 0)', () => {
    const { h } = open();
    expect(h.config('0000:00:02.0', 0, 4).value).toBe(0x11e8_1234n);
    expect(h.config('0000:00:02.0', 0x0a, 2).value).toBe(0x00ffn);
    expect(h.config('0000:00:02.0', 0x34, 1).value).toBe(0x40n);
    expect(h.config('0000:00:02.0', 0x40, 1).value).toBe(0x05n);   // PCI_CAP_ID_MSI
  });
  it('BAR sizing through the virtual BAR: writing all ones reads back ~(1 MiB - 1)', () => {
    const { h } = open();
    h.config('0000:00:02.0', 0x10, 4, 0xffff_ffffn);
    expect(h.config('0000:00:02.0', 0x10, 4).value).toBe(0xfff0_0000n);
  });
  it('BAR0: ID 0x010000ed, liveness reads back ~value, factorial of 5 is 120, 2-byte access reads all ones', () => {
    const { h } = open();
    expect(h.mmio('0000:00:02.0', 0, 0, 4).value).toBe(0x010000edn);
    h.mmio('0000:00:02.0', 0, 4, 4, 0x12345678n);
    expect(h.mmio('0000:00:02.0', 0, 4, 4).value).toBe(0xedcba987n);
    h.mmio('0000:00:02.0', 0, 8, 4, 5n);
    expect(h.mmio('0000:00:02.0', 0, 8, 4).value).toBe(120n);
    expect(h.mmio('0000:00:02.0', 0, 0, 2).value).toBe(0xffffn);
  });
  it('BAR0 beyond 1 MiB: EINVAL (vfio_pci_bar_rw); memory decode off: EIO (__vfio_pci_memory_enabled)', () => {
    const { h } = open();
    expect(h.mmio('0000:00:02.0', 0, 0x100000, 4).errno).toBe(ERRNO.EINVAL);
    h.config('0000:00:02.0', 0x04, 2, 0n);
    expect(h.mmio('0000:00:02.0', 0, 0, 4).errno).toBe(ERRNO.EIO);
  });
  it('the DMA engine through BAR0: src 0x100000, dst 0x40000, cnt 4, cmd RUN (RAM -> buffer), then the 28-bit mask clamps 0x1_0010_0000 to 0x10_0000', () => {
    const s = open();
    const mem = BigInt(s.h.mmap(0x10000n).ret);
    s.h.poke(mem, new Uint8Array([9, 8, 7, 6]));
    expect(s.h.ioctl(s.c, 'VFIO_IOMMU_MAP_DMA', { argsz: 32, flags: 3, vaddr: mem, iova: 0x100000n, size: 0x10000n }).errno).toBe(0);
    const bdf = '0000:00:02.0';
    s.h.mmio(bdf, 0, 0x80, 8, 0x1_0010_0000n);
    s.h.mmio(bdf, 0, 0x88, 8, 0x40000n);
    s.h.mmio(bdf, 0, 0x90, 8, 4n);
    s.h.mmio(bdf, 0, 0x98, 8, 1n);
    const edu = s.h.functions.get(bdf) as import('../devices/edu').EduDevice;
    expect(edu.lastDma?.addr).toBe(0x10_0000n);
    expect([...edu.buf.subarray(0, 4)]).toEqual([9, 8, 7, 6]);
    expect(s.h.mmio(bdf, 0, 0x98, 8).value).toBe(0n);                 // RUN cleared when done
  });
});
