// The IOVA-space view on an iommufd IOAS: iommufd's names on the lanes and in the text (IOAS N
// (iommufd), the HWPT, IOMMU_IOAS_IOVA_RANGES, IOAS_MAP), and no lane for a refused IOAS_MAP
// that named no IOVA. The model is built from a real host (arm64-virt, 7.2): the device attached
// to IOAS 2 through an automatic HWPT 3 (xa_alloc from 1), an IOAS_MAP into the SW_MSI window
// refused with EINVAL by iopt_check_iova().

import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { armVirt } from '../../model/iommu/platform';
import { labIommufdHw } from '../../model/iommufd/lab-hw';
import { LabMachine } from '../../model/lab/machine';
import type { HostCallRecord } from '../../model/vfio/calls';
import { VfioHost } from '../../model/vfio/vfio';
import { buildIovaView } from '../../worker/models/iova';
import { layoutLanes } from './layout';
import IovaSpace from './IovaSpace';

function model(mapFlags: number) {
  const bdf = '0000:00:02.0';
  const h = new VfioHost({
    platform: armVirt({ smmuStage: 'nested' }), kernel: '7.2', devices: [{ bdf, group: 2 }],
    process: { hostRamBase: 0x8_0000_0000n }, iommufdHw: labIommufdHw(new LabMachine(), { sids: { [bdf]: 0x10 } }),
  });
  const calls: HostCallRecord[] = [];
  const ioctl = (fd: number, request: string, arg: unknown) => calls.push({ i: calls.length, op: 'ioctl', request, args: { fd, arg }, result: h.ioctl(fd, request, arg) });
  const ifd = h.open('/dev/iommu').ret as number;
  const cdev = h.open('/dev/vfio/devices/vfio0').ret as number;
  ioctl(cdev, 'VFIO_DEVICE_BIND_IOMMUFD', { argsz: 16, flags: 0, iommufd: ifd });
  ioctl(ifd, 'IOMMU_IOAS_ALLOC', { size: 12, flags: 0 });
  ioctl(cdev, 'VFIO_DEVICE_ATTACH_IOMMUFD_PT', { argsz: 12, flags: 0, pt_id: 2 });
  const buf = h.mmap(0x1000n).ret as bigint;
  ioctl(ifd, 'IOMMU_IOAS_MAP', { size: 40, flags: 7, ioas_id: 2, user_va: buf, length: 0x1000n, iova: 0x100000n });
  // flags 7 = FIXED_IOVA | WRITEABLE | READABLE; 6 = WRITEABLE | READABLE (include/uapi/linux/iommufd.h).
  ioctl(ifd, 'IOMMU_IOAS_MAP', { size: 40, flags: mapFlags, ioas_id: 2, user_va: buf, length: mapFlags === 7 ? 0x1000n : 0n, iova: 0x8000000n });
  return buildIovaView(h, calls);
}

describe('the IOVA-space view on an IOAS', () => {
  const vm = model(7);
  it('lanes with iommufd\'s names, and the refused IOAS_MAP', () => {
    expect(layoutLanes(vm).lanes.map((l) => [l.kind, l.label])).toEqual([
      ['aperture', 'aperture'], ['resv', 'group 2 reserved'], ['usable', 'allowed IOVAs'], ['maps', 'IOAS_MAP mappings'], ['bounce', 'refused IOAS_MAP'],
    ]);
  });

  it('heads with the IOAS, its HWPT and the profile; says the errno and the function', () => {
    const html = renderToStaticMarkup(createElement(IovaSpace, { vm }));
    expect(html).toContain('<b>IOAS 2 (iommufd): group 2</b>');
    expect(html).toContain('HWPT 3 automatic (S1)');
    expect(html).toContain('<li>HWPT 3 (automatic, stage 1)</li>');
    expect(html).toContain('Linux 7.2');
    expect(html).toContain('Allowed IOVA ranges (IOMMU_IOAS_IOVA_RANGES)');
    // iopt_table_add_domain(): the alignment is the domain's smallest page, 4 KiB (SZ_4K | SZ_2M | SZ_1G).
    expect(html).toContain('out_iova_alignment <span class="mono">0x1000</span>');
    expect(html).toContain('[0x0, 0x7ffffff]  [0x8100000, 0xffff_ffff_ffff]');
    expect(html).toContain('IOAS_MAP refused: EINVAL');
    expect(html).toContain('iopt_check_iova');
    expect(html).toContain('<th>user_va</th><th>PA</th>');
  });

  it('a refused IOAS_MAP without FIXED_IOVA gets no lane, only its text', () => {
    const unplaced = model(6);
    expect(layoutLanes(unplaced).lanes.map((l) => l.kind)).not.toContain('bounce');
    expect(renderToStaticMarkup(createElement(IovaSpace, { vm: unplaced }))).toContain('no FIXED_IOVA');
  });
});
