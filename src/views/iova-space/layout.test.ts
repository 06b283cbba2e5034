// The IOVA-space view's geometry and markup on the model of a real host (arm64-virt, group 2,
// a mapping at 0x100000 and a MAP_DMA refused in the MSI window). Widths derived by hand: at
// 1000 px the segments lie over [LABEL_W = 150, 992], 842 px.

import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { armVirt } from '../../model/iommu/platform';
import type { HostCallRecord } from '../../model/vfio/calls';
import { VfioHost } from '../../model/vfio/vfio';
import { buildIovaView, type IovaAxis } from '../../worker/models/iova';
import { CHAR_W, LABEL_W, layoutAxis, layoutLanes, MIN_SEG, placeTicks, segWeight, spanBox } from './layout';
import IovaSpace from './IovaSpace';

function model() {
  const h = new VfioHost({ platform: armVirt(), devices: [{ bdf: '0000:00:02.0', group: 2 }] });
  const c = h.open('/dev/vfio/vfio').ret as number;
  const g = h.open('/dev/vfio/2').ret as number;
  h.ioctl(g, 'VFIO_GROUP_SET_CONTAINER', { fd: c });
  h.ioctl(c, 'VFIO_SET_IOMMU', 3);
  const buf = h.mmap(0x200000n).ret as bigint;
  const calls: HostCallRecord[] = [];
  for (const iova of [0x100000n, 0x8000000n]) {
    const args = { argsz: 32, flags: 3, vaddr: buf, iova, size: 0x1000n };
    calls.push({ i: calls.length, op: 'ioctl', request: 'VFIO_IOMMU_MAP_DMA', args, result: h.ioctl(c, 'VFIO_IOMMU_MAP_DMA', args) });
  }
  return buildIovaView(h, calls);
}
const vm = model();

describe('layoutAxis', () => {
  it('weighs segments by log2 of their length, at least MIN_SEG each', () => {
    expect(segWeight(12)).toBe(4);       // 4 KiB
    expect(segWeight(20)).toBe(12);      // 1 MiB
    expect(segWeight(5)).toBe(1);        // never below 1
  });

  it('spans [LABEL_W, width - 8] and gives each segment MIN_SEG plus its share', () => {
    const axis: IovaAxis = { bounds: ['0x0', '0x1000', '0x100000'], log2: [12, 20] };
    const L = layoutAxis(axis, 1000);
    expect(L.x[0]).toBe(LABEL_W);
    expect(L.x[2]).toBe(992);
    // 842 - 2 * 22 = 798 to share 4 : 12, so the first segment is 22 + 798 / 4 = 221.5 px.
    expect(L.x[1]).toBeCloseTo(LABEL_W + MIN_SEG + 798 / 4, 6);
  });

  it('puts a label that would overlap on the second row, and leaves out a third', () => {
    const x = [200, 210, 220];
    const t = placeTicks(['0x1000', '0x2000', '0x3000'], x, 1000);
    expect(t.map((k) => k.row)).toEqual([0, 1, null]);
    // Far enough apart (label width + 10 px): all on the first row.
    const w = 6 * CHAR_W + 10;
    expect(placeTicks(['0x1000', '0x2000'], [300, 300 + w], 1000).map((k) => k.row)).toEqual([0, 0]);
  });
});

describe('the lanes', () => {
  it('stacks aperture, the group\'s regions, usable, mappings and the refused MAP_DMA', () => {
    const { lanes } = layoutLanes(vm);
    expect(lanes.map((l) => l.kind)).toEqual(['aperture', 'resv', 'usable', 'maps', 'bounce']);
  });

  it('draws the refused MAP_DMA inside the SW_MSI window\'s columns', () => {
    const L = layoutAxis(vm.axis, 1000);
    const win = spanBox(L, vm.groups[0].regions[0]);
    const b = spanBox(L, vm.bounce!);
    expect(b.x).toBe(win.x);
    expect(b.x + b.w).toBeLessThan(win.x + win.w);
  });
});

describe('IovaSpace markup', () => {
  const html = renderToStaticMarkup(createElement(IovaSpace, { vm }));
  it('prints the sysfs line exactly, the usable ranges, the mapping and the errno with its function', () => {
    expect(html).toContain('<code>0x0000000008000000 0x00000000080fffff msi</code>');
    expect(html).toContain('[0x0, 0x7ffffff]  [0x8100000, 0xffff_ffff_ffff]');
    expect(html).toContain('MAP_DMA refused: EINVAL');
    expect(html).toContain('vfio_iommu_iova_dma_valid');
    expect(html).toContain('>0x100000</td>');
  });
  it('has a legend with all five reserved types', () => {
    for (const k of ['direct', 'direct-relaxable', 'reserved', 'msi', 'sw-msi']) expect(html).toContain(`iv-swatch ${k}`);
  });
  it('says so when the program has no VFIO host', () => {
    expect(renderToStaticMarkup(createElement(IovaSpace, { vm: null }))).toContain('No VFIO container in this program');
  });
});
