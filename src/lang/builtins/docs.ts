// docs/language.md's "Builtins" section, rendered from the registry: per actor, per builtin, its
// signature with defaults, its doc paragraph, an argument table, what it returns (and the fields
// of a record result) and its example. `npm run docs` (docs-main.ts) writes it between the
// markers; docs.test.ts fails when the page and the registry disagree.

import type { Actor, ArgSpec, ArgType, Builtin } from '../registry-types';
import type { Value } from '../values';

export const BEGIN_MARKER = '<!-- builtins:begin -->';
export const END_MARKER = '<!-- builtins:end -->';

/** Who each actor is, in the order the section lists them. */
const ACTORS: readonly { actor: Actor; title: string; doc: string }[] = [
  {
    actor: 'host',
    title: 'host: the host kernel',
    doc: 'vfio-pci and VFIO type1 (with the 2021 nesting series\' ioctls), the arm-smmu-v3 driver, the stage-2 ' +
      'tables it owns for each VM, and its own stage-1 domains. The host writes STEs and stage-2 descriptors to ' +
      'memory and sends commands through the Command queue, as Linux does.',
  },
  {
    actor: 'guest',
    title: 'guest: the guest kernel',
    doc: 'The guest\'s arm-smmu-v3 driver behind QEMU\'s virtual SMMU, and its io-pgtable-arm: stage-1 tables and ' +
      'CDs in guest RAM, at IPAs, and the TLB invalidations QEMU forwards to the host.',
  },
  {
    actor: 'dev',
    title: 'dev: the device',
    doc: 'A DMA transaction arriving at the SMMU: the one call whose translation can be stepped into, read by read.',
  },
  {
    actor: 'smmu',
    title: 'smmu: the raw SMMU',
    doc: 'The layer under the kernels\' words: commands, registers and event records, as a driver handles them ' +
      '(SMMUv3 §4, §6, §7).',
  },
  {
    actor: 'mem',
    title: 'mem: physical memory',
    doc: 'A program\'s own 64-bit reads and writes of physical memory: STEs, CDs, descriptors, queue entries.',
  },
  {
    actor: 'vfio',
    title: 'vfio: the VFIO uapi (type1)',
    doc: 'What a VMM such as QEMU asks of the host kernel through /dev/vfio: open the container and group files ' +
      'and make their ioctls, as the upstream uapi (include/uapi/linux/vfio.h) defines them, answered by the host ' +
      'model of docs/host-side.md (Linux 6.12 (LTS) unless host.kernel says otherwise). The first vfio, process or sysfs ' +
      'call starts the host with what host.platform, host.kernel, host.pci_device, host.rmr, host.reserved, host.rmrr ' +
      'and host.process declared. A refusal is the kernel\'s answer, not an error of the program: every call returns ' +
      'ret, errno and errname ("" on success), the kernel function that chose the errno (where) and why, and the ' +
      'trace shows it as a host.call event.',
  },
  {
    actor: 'process',
    title: 'process: the calling process',
    doc: 'The VMM process itself: its memory (mmap, poke, peek), its locked_vm and its CAP_IPC_LOCK, which decide ' +
      'what VFIO_IOMMU_MAP_DMA may pin.',
  },
  {
    actor: 'sysfs',
    title: 'sysfs: the host\'s sysfs',
    doc: 'Files the host kernel publishes under /sys: what an administrator, or a VMM, reads before assigning a device.',
  },
  {
    actor: 'iommufd',
    title: 'iommufd: /dev/iommu (upstream, Linux 6.13+; modelled as 7.2)',
    doc: 'The uapi merged instead of the 2021 nesting series (include/uapi/linux/iommufd.h; docs/nesting-2021-vs-iommufd.md): ' +
      'IOAS, HWPT (a NEST_PARENT stage 2, a nested HWPT with the guest\'s STE words), vIOMMU, vDEVICE, ' +
      'IOMMU_HWPT_INVALIDATE with raw guest commands and the vEVENTQ, on the host\'s SMMU. The device side is ' +
      'vfio.open("/dev/vfio/devices/vfioN"), vfio.device_bind_iommufd and vfio.device_attach_pt. Records with errnos, as vfio\'s.',
  },
  {
    actor: 'edu',
    title: 'edu: the host\'s device',
    doc: 'QEMU\'s edu device (hw/misc/edu.c) declared with host.pci_device(..., model: edu), acting on its own: a DMA ' +
      'through the SMMU and the kernel\'s domain to the process\'s pinned pages, or an MSI write through the SMMU to ' +
      'the ITS doorbell. Not system calls: they always return ret 0 and say what happened in their own fields.',
  },
];

const UNITS: readonly [bigint, string][] = [[1n << 40n, 'T'], [1n << 30n, 'G'], [1n << 20n, 'M'], [1n << 10n, 'K']];

/** A number as a program would write it: a size (4K, 1G) when it is a whole number of K or more,
 *  decimal below 1024, else hex grouped by four digits. */
export function formatInt(v: bigint): string {
  if (v < 1024n) return v.toString();
  for (const [unit, suffix] of UNITS) if (v % unit === 0n) return `${v / unit}${suffix}`;
  const hex = v.toString(16);
  const groups: string[] = [];
  for (let i = hex.length; i > 0; i -= 4) groups.unshift(hex.slice(Math.max(0, i - 4), i));
  return `0x${groups.join('_')}`;
}

const HANDLE_NAMES: Record<string, string> = { device: 'a device', pt: 'a page table (pt)', cd: 'a CD', vm: 'a VM' };

/** An argument's type in words: its kind, range, alignment or words. */
export function formatType(t: ArgType): string {
  switch (t.t) {
    case 'int': {
      const parts = ['number'];
      if (t.min !== undefined && t.max !== undefined) parts.push(`${formatInt(t.min)}..${formatInt(t.max)}`);
      else if (t.min !== undefined) parts.push(`≥ ${formatInt(t.min)}`);
      else if (t.max !== undefined) parts.push(`≤ ${formatInt(t.max)}`);
      if (t.align !== undefined && t.align > 1n) parts.push(`a multiple of ${formatInt(t.align)}`);
      return parts.join(', ');
    }
    case 'str': return 'string';
    case 'bool': return '`true` or `false`';
    case 'word': return `one of ${t.words.map((w) => `\`${w}\``).join(', ')}`;
    case 'handle': return HANDLE_NAMES[t.handle] ?? t.handle;
  }
}

/** A default as a program would write it. */
export function formatValue(v: Value): string {
  if (v === null) return 'nothing';
  if (typeof v === 'bigint') return formatInt(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'boolean') return String(v);
  if (v.kind === 'word') return v.word;
  if (v.kind === 'handle') return v.label;
  return '(a record)';
}

/** A result type in words: `int` is a number, a handle type is named as its argument type is. */
export function returnType(type: string): string {
  if (type === 'nothing') return 'nothing';
  if (type === 'int') return 'a number';
  if (HANDLE_NAMES[type] !== undefined) return HANDLE_NAMES[type];
  const alone = type.match(/^(.*) or nothing$/);
  if (alone !== null) return `${article(alone[1])} ${alone[1]}, or nothing`;
  return `${article(type)} ${type}`;
}

function article(noun: string): string {
  return /^[aeiou]/i.test(noun) ? 'an' : 'a';
}

/** `name(req, req, opt: default, opt?)`: `?` marks an optional argument with no default value. */
export function signature(b: Builtin<unknown>): string {
  const args = b.args.map((a) => {
    if (a.default === undefined) return a.name;
    if (a.default === null) return `${a.name}?`;
    return `${a.name}: ${formatValue(a.default)}`;
  });
  return `${b.name}(${args.join(', ')})`;
}

/** Text for a Markdown table cell: no line breaks, `|` escaped. */
function cell(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ').replace(/\|/g, '\\|');
}

function defaultCell(a: ArgSpec): string {
  if (a.default === undefined) return 'required';
  if (a.default === null) return 'optional';
  return `\`${formatValue(a.default)}\``;
}

function renderBuiltin(b: Builtin<unknown>): string {
  const out: string[] = [];
  out.push(`#### ${b.name}`, '', '```text', signature(b), '```', '', b.doc, '');
  if (b.args.length > 0) {
    out.push('| argument | type | default | meaning |', '|---|---|---|---|');
    for (const a of b.args) out.push(`| \`${a.name}\` | ${cell(formatType(a.type))} | ${defaultCell(a)} | ${cell(a.doc)} |`);
    out.push('');
  } else {
    out.push('No arguments.', '');
  }
  const r = b.returns;
  if (r.type === 'nothing') out.push('Returns nothing.', '');
  else out.push(`Returns ${returnType(r.type)}${r.doc ? `: ${r.doc}` : ''}.`, '');
  if (r.fields !== undefined && Object.keys(r.fields).length > 0) {
    out.push('| field | meaning |', '|---|---|');
    for (const [k, v] of Object.entries(r.fields)) out.push(`| \`${k}\` | ${cell(v)} |`);
    out.push('');
  }
  out.push('```lab', b.example, '```');
  return out.join('\n');
}

/** The section between the markers: a list of every builtin, then each actor's builtins in full. */
export function renderBuiltinsDoc(builtins: readonly Builtin<unknown>[]): string {
  const out: string[] = [];
  out.push('<!-- Generated from src/lang/builtins/ by `npm run docs`: edit the registry, not this text. -->', '');
  const actors = ACTORS.filter((a) => builtins.some((b) => b.actor === a.actor));
  const unknown = builtins.filter((b) => !ACTORS.some((a) => a.actor === b.actor));
  if (unknown.length > 0) throw new Error(`builtins of an actor the docs do not know: ${unknown.map((b) => b.name).join(', ')}`);
  out.push('| builtin | returns |', '|---|---|');
  for (const a of actors) {
    for (const b of builtins.filter((x) => x.actor === a.actor)) out.push(`| \`${cell(signature(b))}\` | ${cell(returnType(b.returns.type))} |`);
  }
  out.push('');
  for (const a of actors) {
    out.push(`### ${a.title}`, '', a.doc, '');
    for (const b of builtins.filter((x) => x.actor === a.actor)) out.push(renderBuiltin(b), '');
  }
  return out.join('\n');
}

/** The text between the markers of a Markdown page (without the newlines next to them), or null
 *  when the page lacks them. */
export function builtinsSection(markdown: string): string | null {
  const begin = markdown.indexOf(BEGIN_MARKER);
  const end = markdown.indexOf(END_MARKER);
  if (begin < 0 || end < begin) return null;
  return markdown.slice(begin + BEGIN_MARKER.length, end).replace(/^\n/, '').replace(/\n$/, '');
}

/** The page with the section between the markers replaced by `section`. */
export function spliceBuiltinsDoc(markdown: string, section: string): string {
  const begin = markdown.indexOf(BEGIN_MARKER);
  const end = markdown.indexOf(END_MARKER);
  if (begin < 0 || end < begin) throw new Error(`the page has no ${BEGIN_MARKER} ... ${END_MARKER} section`);
  return `${markdown.slice(0, begin + BEGIN_MARKER.length)}\n${section}\n${markdown.slice(end)}`;
}
