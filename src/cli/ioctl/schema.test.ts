import { describe, expect, it } from 'vitest';
import { main } from '../main';
import { runIoctlText } from './run';
import { parseIoctlScript } from './schema';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

// Validation (formats/ioctl-script.md, "Command"): an invalid script prints nothing on stdout and
// one line `error: <JSON path>: <why>` on stderr, exit 2, before any call runs.

const head = { format: 'iommu-lab/ioctl-script@1', platform: { machine: 'arm64-virt' } };
const script = (over: Record<string, unknown>) => JSON.stringify({ ...head, calls: [], ...over });
const calls = (...cs: unknown[]) => script({ devices: [{ bdf: '0000:00:02.0', group: 2, model: 'edu' }], calls: cs });
const open = (as: string, path = '/dev/vfio/vfio') => ({ op: 'open', path, as });

// [what, script, the path, the start of the reason]
const bad: [string, string, string, string][] = [
  ['not JSON', '{"format":', '$', 'not valid JSON'],
  ['a wrong format', script({ format: 'iommu-lab/ioctl-script@2' }), '$.format', 'must be "iommu-lab/ioctl-script@1"'],
  ['an unknown kernel', script({ kernel: '5.4' }), '$.kernel', 'kernel "5.4" is not modelled: the Lab models "6.12", "7.2"'],
  ['a kernel given as a number', script({ kernel: 6.12 }), '$.kernel', 'kernel 6.12 is not modelled'],
  ['a bad machine', script({ platform: { machine: 'x86' } }), '$.platform.machine', 'must be "arm64-virt" or "x86-vtd" (got "x86")'],
  ['a bad smmu_stage', script({ platform: { machine: 'arm64-virt', smmu_stage: 's3' } }), '$.platform.smmu_stage', 'must be "s1" or "s2" or "nested"'],
  ['smmu_stage on x86-vtd', script({ platform: { machine: 'x86-vtd', smmu_stage: 's1' } }), '$.platform.smmu_stage', 'x86-vtd has no SMMU'],
  ['a missing platform', JSON.stringify({ format: head.format, calls: [] }), '$.platform', 'missing'],
  ['an unknown top-level field', script({ devises: [] }), '$.devises', 'unknown field "devises" (did you mean "devices"?)'],
  ['a bad bdf', script({ devices: [{ bdf: '00:02.0', group: 2 }] }), '$.devices[0].bdf', 'expected a PCI address like "0000:00:02.0"'],
  ['a device without a group', script({ devices: [{ bdf: '0000:00:02.0' }] }), '$.devices[0].group', 'missing'],
  ['an unknown device model', script({ devices: [{ bdf: '0000:00:02.0', group: 2, model: 'e1000' }] }), '$.devices[0].model', 'must be "edu"'],
  ['a bdf listed twice', script({ devices: [{ bdf: '0000:00:02.0', group: 2 }, { bdf: '0000:00:02.0', group: 3 }] }), '$.devices[1].bdf', '0000:00:02.0 is already $.devices[0]'],
  ['a bad rlimit_memlock', script({ process: { rlimit_memlock: 'lots' } }), '$.process.rlimit_memlock', 'expected bytes'],
  ['a bad cap_ipc_lock', script({ process: { cap_ipc_lock: 'yes' } }), '$.process.cap_ipc_lock', 'expected true or false'],
  ['calls not a list', script({ calls: {} }), '$.calls', 'expected an array'],
  ['an unknown op', calls({ op: 'frob' }), '$.calls[0].op', 'unknown op "frob"'],
  ['a call without op', calls({ path: '/dev/vfio/vfio' }), '$.calls[0].op', 'missing'],
  ['an unknown request name', calls(open('c'), { op: 'ioctl', fd: '$c', request: 'VFIO_IOMMU_MAP_DAM', arg: {} }),
    '$.calls[1].request', 'unknown request "VFIO_IOMMU_MAP_DAM" (did you mean "VFIO_IOMMU_MAP_DMA"?)'],
  // include/uapi/linux/iommufd.h: IOMMU_VIOMMU_ALLOC (IOMMUFD_CMD_BASE + 0x10) came in 6.13.
  ['an iommufd request the 6.12 headers lack', calls(open('i', '/dev/iommu'), { op: 'ioctl', fd: '$i', request: 'IOMMU_VIOMMU_ALLOC', arg: { size: 40 } }),
    '$.calls[1].request', 'IOMMU_VIOMMU_ALLOC is not in Linux 6.12\'s uapi headers (it came in 6.13): give it by number (0x3b90)'],
  // The seed series' requests exist only on the "5.12-nested" profile (src/model/vfio/nesting/uapi.ts: VFIO_BASE + 18).
  ['a seed-series request on 6.12', calls(open('c'), { op: 'ioctl', fd: '$c', request: 'VFIO_IOMMU_SET_PASID_TABLE', arg: { argsz: 40 } }),
    '$.calls[1].request', 'VFIO_IOMMU_SET_PASID_TABLE is not in Linux 6.12\'s uapi headers (the 2021 nesting series, never merged: kernel "5.12-nested"): give it by number (0x3b76)'],
  ['a request missing', calls(open('c'), { op: 'ioctl', fd: '$c' }), '$.calls[1].request', 'missing'],
  ['a request number past 32 bits', calls(open('c'), { op: 'ioctl', fd: '$c', request: '0x100000000' }), '$.calls[1].request', 'out of range'],
  ['$name not defined yet (named later)', calls({ op: 'close', fd: '$c' }, open('c')), '$.calls[0].fd', '$c: $c is not defined yet: $.calls[1] names it, after this call'],
  ['$name never defined', calls({ op: 'close', fd: '$nope' }), '$.calls[0].fd', '$nope: $nope is not defined yet: no call has "as": "nope"'],
  ['$name.out of a call that writes nothing back', calls(open('c'), { op: 'close', fd: '$c.out.fd' }), '$.calls[1].fd', '$c.out.fd: $c is $.calls[0] (open), which writes nothing back'],
  ['a reference that is not one', calls(open('c'), { op: 'close', fd: '$c-1' }), '$.calls[1].fd', 'not a reference'],
  ['a field other than .out', calls(open('c'), { op: 'close', fd: '$c.ret' }), '$.calls[1].fd', '"$c.ret": after "$c" only ".out.<field>" may follow'],
  ['a bad hex number', calls({ op: 'mmap', length: '0x1_000' }), '$.calls[0].length', 'expected "$name", a hex string like "0x1000" or an integer below 2^53 (got "0x1_000"; no "_" separators)'],
  ['a negative number', calls({ op: 'mmap', length: -4096 }), '$.calls[0].length', 'negative'],
  ['a number past 2^53', calls({ op: 'mmap', length: 2 ** 53 + 2 }), '$.calls[0].length', 'JSON integers must be below 2^53'],
  ['a hex number past 64 bits', calls({ op: 'mmap', length: '0x10000000000000000' }), '$.calls[0].length', 'out of range 0..2^64-1'],
  ['a bad name in as', calls({ op: 'open', path: '/dev/vfio/vfio', as: '1st' }), '$.calls[0].as', 'a name must be an identifier'],
  ['an unknown struct field', calls(open('c'), { op: 'ioctl', fd: '$c', request: 'VFIO_IOMMU_MAP_DMA', arg: { argsz: 32, iovaa: '0x1000' } }),
    '$.calls[1].arg.iovaa', 'struct vfio_iommu_type1_dma_map has no field "iovaa" (did you mean "iova"?)'],
  ['a struct given by value', calls(open('c'), { op: 'ioctl', fd: '$c', request: 'VFIO_IOMMU_MAP_DMA', arg: 5 }),
    '$.calls[1].arg', 'VFIO_IOMMU_MAP_DMA takes a pointer to struct vfio_iommu_type1_dma_map'],
  ['a by-value request given an object', calls(open('c'), { op: 'ioctl', fd: '$c', request: 'VFIO_SET_IOMMU', arg: { type: 3 } }),
    '$.calls[1].arg', 'VFIO_SET_IOMMU takes its argument by value: an integer'],
  ['a by-value request without arg', calls(open('c'), { op: 'ioctl', fd: '$c', request: 'VFIO_CHECK_EXTENSION' }),
    '$.calls[1].arg', 'VFIO_CHECK_EXTENSION takes its argument by value: an integer (missing)'],
  ['an argument to a request that takes none', calls(open('c'), { op: 'ioctl', fd: '$c', request: 'VFIO_GET_API_VERSION', arg: 0 }),
    '$.calls[1].arg', 'VFIO_GET_API_VERSION takes no argument'],
  ['GET_DEVICE_FD given a number', calls(open('g', '/dev/vfio/2'), { op: 'ioctl', fd: '$g', request: 'VFIO_GROUP_GET_DEVICE_FD', arg: 2 }),
    '$.calls[1].arg', 'VFIO_GROUP_GET_DEVICE_FD takes a string, the device name'],
  ['an array as arg', calls(open('c'), { op: 'ioctl', fd: '$c', request: 'VFIO_CHECK_EXTENSION', arg: [3] }), '$.calls[1].arg', 'expected an integer, an object'],
  ['SET_IRQS data not a list', calls(open('c'), { op: 'ioctl', fd: '$c', request: 'VFIO_DEVICE_SET_IRQS', arg: { argsz: 24, data: 5 } }),
    '$.calls[1].arg.data', 'data is a list'],
  ['a bad number inside a struct', calls(open('c'), { op: 'ioctl', fd: '$c', request: 'VFIO_IOMMU_MAP_DMA', arg: { argsz: 32, size: 'big' } }),
    '$.calls[1].arg.size', 'expected "$name", a hex string'],
  // Missing required fields, op by op.
  ['open without path', calls({ op: 'open' }), '$.calls[0].path', 'missing'],
  ['close without fd', calls({ op: 'close' }), '$.calls[0].fd', 'missing'],
  ['ioctl without fd', calls({ op: 'ioctl', request: 'VFIO_GET_API_VERSION' }), '$.calls[0].fd', 'missing'],
  ['mmap without length', calls({ op: 'mmap' }), '$.calls[0].length', 'missing'],
  ['mmap with a bad prot', calls({ op: 'mmap', length: 4096, prot: 'rwx' }), '$.calls[0].prot', 'must be "rw" or "r" or "w" or "none"'],
  ['poke without data', calls({ op: 'poke', addr: 0 }), '$.calls[0].data', 'missing'],
  ['poke with odd hex digits', calls({ op: 'poke', addr: 0, data: 'abc' }), '$.calls[0].data', 'expected a hex byte string'],
  ['peek without len', calls({ op: 'peek', addr: 0 }), '$.calls[0].len', 'missing'],
  ['read without path', calls({ op: 'read' }), '$.calls[0].path', 'missing'],
  ['read_eventfd without fd', calls({ op: 'read_eventfd' }), '$.calls[0].fd', 'missing'],
  ['dma without dir', calls({ op: 'dma', bdf: '0000:00:02.0', iova: 0, len: 4 }), '$.calls[0].dir', 'missing'],
  ['dma without iova', calls({ op: 'dma', bdf: '0000:00:02.0', dir: 'read', len: 4 }), '$.calls[0].iova', 'missing'],
  ['dma write without data', calls({ op: 'dma', bdf: '0000:00:02.0', dir: 'write', iova: 0, len: 4 }), '$.calls[0].data', 'missing (a DMA write needs'],
  ['dma write len not the data length', calls({ op: 'dma', bdf: '0000:00:02.0', dir: 'write', iova: 0, len: 4, data: '0102' }), '$.calls[0].len', '4 does not match the 2 bytes of data'],
  ['dma read with data', calls({ op: 'dma', bdf: '0000:00:02.0', dir: 'read', iova: 0, len: 2, data: '0102' }), '$.calls[0].data', 'a DMA read takes no data'],
  ['dma on a device not listed', calls({ op: 'dma', bdf: '0000:00:03.0', dir: 'read', iova: 0, len: 4 }), '$.calls[0].bdf', '0000:00:03.0 is not one of $.devices'],
  ['irq without vector', calls({ op: 'irq', bdf: '0000:00:02.0' }), '$.calls[0].vector', 'missing'],
  ['mmio without bar', calls({ op: 'mmio', bdf: '0000:00:02.0', offset: 0, size: 4 }), '$.calls[0].bar', 'missing'],
  ['mmio with size 3', calls({ op: 'mmio', bdf: '0000:00:02.0', bar: 0, offset: 0, size: 3 }), '$.calls[0].size', 'must be 1, 2, 4 or 8'],
  ['config without offset', calls({ op: 'config', bdf: '0000:00:02.0', size: 4 }), '$.calls[0].offset', 'missing'],
  ['config with a bar', calls({ op: 'config', bdf: '0000:00:02.0', bar: 0, offset: 0, size: 4 }), '$.calls[0].bar', 'unknown field "bar"'],
  ['an unknown field in a call', calls({ op: 'open', path: '/dev/vfio/vfio', flags: 2 }), '$.calls[0].flags', 'unknown field "flags"'],
];

describe('ioctl script validation', () => {
  it.each(bad)('rejects %s at its JSON path, exit 2, nothing on stdout', (_what, text, path, why) => {
    const r = runIoctlText(text);
    expect(r.stdout).toBe('');
    expect(r.code).toBe(2);
    expect(r.stderr.startsWith(`error: ${path}: ${why}`)).toBe(true);
    expect(r.stderr.endsWith('\n')).toBe(true);
    expect(r.stderr.split('\n')).toHaveLength(2);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('reports the first problem in document order', () => {
    // calls[0].fd comes before calls[1].request, whatever order the checks run in.
    const r = runIoctlText(calls({ op: 'close', fd: '$later' }, { op: 'ioctl', fd: 3, request: 'NOPE', as: 'later' }));
    expect(r.stderr).toMatch(/^error: \$\.calls\[0\]\.fd: /);
  });

  it('fills the defaults: kernel 6.12, no devices, unlimited RLIMIT_MEMLOCK without CAP_IPC_LOCK, mmap prot rw', () => {
    const s = parseIoctlScript(script({ calls: [{ op: 'mmap', length: '0x1000' }] }));
    expect(s.kernel).toBe('6.12');
    expect(s.devices).toEqual([]);
    expect(s.process).toEqual({ rlimitMemlock: 'unlimited', capIpcLock: false });
    expect(s.calls[0]).toEqual({ op: 'mmap', length: { kind: 'lit', value: 0x1000n } });
  });

  it('reads the number forms, references and byte strings', () => {
    const s = parseIoctlScript(calls(
      open('c'),
      { op: 'ioctl', fd: '$c', request: 'VFIO_IOMMU_GET_INFO', arg: { argsz: 16 }, as: 'info' },
      { op: 'ioctl', fd: '$c', request: 'VFIO_IOMMU_GET_INFO', arg: { argsz: '$info.out.argsz' } },
      { op: 'poke', addr: '$c+0x10', data: '0x00ff10' },
      { op: 'ioctl', fd: '$c', request: '0x3b65', arg: '6' },
    ));
    expect(s.calls[2]).toMatchObject({ request: { name: 'VFIO_IOMMU_GET_INFO', code: 0x3b70 }, arg: { argsz: { kind: 'ref', name: 'info', path: ['argsz'], add: 0n } } });
    expect(s.calls[3]).toMatchObject({ addr: { kind: 'ref', name: 'c', path: [], add: 0x10n }, data: Uint8Array.from([0x00, 0xff, 0x10]) });
    // _IO(';', 100 + 1) = 0x3b00 | 0x65 (include/uapi/linux/vfio.h, asm-generic/ioctl.h)
    expect(s.calls[4]).toMatchObject({ request: { code: 0x3b65 }, arg: { kind: 'lit', value: 6n } });
    expect((s.calls[4] as { request: { name?: string } }).request.name).toBeUndefined();
  });

  const dir = mkdtempSync(join(tmpdir(), 'iommu-lab-ioctl-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses a missing file at $ through the command, and bad usage', () => {
    const path = join(dir, 'none.json');
    expect(main(['ioctl', path])).toEqual({ code: 2, stdout: '', stderr: `error: $: cannot read ${path}: no such file\n` });
    const r = main(['ioctl']);
    expect([r.code, r.stdout]).toEqual([2, '']);
    expect(r.stderr.startsWith('error: ioctl takes 1 argument (SCRIPT.json), got 0\n')).toBe(true);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, script({ kernel: '7.3' }));
    const r2 = main(['ioctl', bad]);
    expect([r2.code, r2.stdout]).toEqual([2, '']);
    expect(r2.stderr).toMatch(/^error: \$\.kernel: kernel "7\.3" is not modelled: the Lab models "6\.12", "7\.2"(, "[^"]+")*\n$/);
  });

  it('lists ioctl in the help', () => {
    expect(main(['--help']).stdout).toContain('ioctl SCRIPT.json');
    expect(main(['ioctl', '--help']).stdout).toContain('Usage: iommu-lab ioctl [--why] SCRIPT.json');
  });
});
