// The lessons as the app's page needs them at startup: each one's id, file, title and narrative
// (the lessons menu, the narrative pane), and the default lesson's program. The other programs
// (about 15 KB gzip) are a chunk of their own (sources.ts), fetched by loadLessons() when a lesson
// is chosen, a link names one, or saved work is restored. Node code (tests, tools) imports
// index.ts, which has every source eagerly. Every expected value a lesson checks is derived by
// hand in a comment of its program, never copied from a run. lessons.test.ts runs them all.

import nestedWalk from './02-nested-walk.lab?raw';

export interface LessonInfo {
  /** Stable id, for links and the app's lesson list. */
  readonly id: string;
  /** The program's file name in src/scenarios/. */
  readonly file: string;
  readonly title: string;
  /** Three to five sentences: what to look at and why it matters. */
  readonly narrative: string;
  /** The lesson a first visit opens (exactly one). */
  readonly default?: boolean;
  /** An exercise: its expects fail until the student fixes one line. */
  readonly exercise?: boolean;
}

/** A lesson with its program. */
export interface Lesson extends LessonInfo {
  /** The lab program. */
  readonly source: string;
}

export const LESSON_INFO: readonly LessonInfo[] = [
  {
    id: 'stage1-walk',
    file: '01-stage1-walk.lab',
    title: 'A stage-1 walk: 4 reads',
    narrative:
      'Without a guest, Linux gives a device a stage-1 domain of its own (ARM_SMMU_DOMAIN_S1): its page tables ' +
      'and its Context Descriptor sit in host memory, and the STE says Config = 0b101, stage 1 only. The program ' +
      'reads the STE and the CD the way the SMMU does, then walks the four levels by hand, nine bits of the IOVA ' +
      'per level. The device\'s DMA then costs exactly that: one descriptor per level, 4 reads, plus the STE and ' +
      'the CD. A second access to the same page hits the TLB and reads nothing.',
  },
  {
    id: 'nested-walk',
    file: '02-nested-walk.lab',
    title: 'Why one DMA costs 24 reads: the nested walk',
    narrative:
      'A NIC is assigned to a guest: the guest owns the stage-1 tables and the CD, in its RAM, at IPAs, and the ' +
      'host owns the STE and stage 2. Every stage-1 table address the SMMU follows is an IPA that stage 2 must ' +
      'translate first, so a cold 4-level by 4-level walk reads (4+1)(4+1)-1 = 24 descriptors, and 30 with the ' +
      'STE and the CD. Step into the DMA to see each read and who owns the table it comes from. A second guest ' +
      'with a 40-bit IPA space gets a 3-level stage 2 (two concatenated level-1 tables), and the same walk costs ' +
      '(4+1)(3+1)-1 = 19.',
    default: true,
  },
  {
    id: 'stale-iotlb',
    file: '03-stale-iotlb.lab',
    title: 'A stale IOTLB entry: the forgotten CMD_TLBI_NH_VA',
    narrative:
      'The guest unmaps a buffer and maps its IOVA to a new page, but does not invalidate: the SMMU still holds ' +
      'the old translation in its TLB and the device keeps writing the old page, a use-after-free by DMA. An ' +
      'invalidation for another ASID changes nothing, because the entry is tagged with the VM\'s VMID and the ' +
      'guest\'s ASID. The right CMD_TLBI_NH_VA, forwarded by QEMU and issued by the host with a CMD_SYNC behind ' +
      'it, removes the entry, and the next DMA walks the new tables.',
  },
  {
    id: 's2-fault-on-s1-table',
    file: '04-s2-fault-on-s1-table.lab',
    title: 'A stage-2 fault while fetching a stage-1 table (CLASS = TT)',
    narrative:
      'The guest\'s stage-1 tables are ordinary guest pages, so stage 2 must map them too. Here the host removes ' +
      'the page holding the guest\'s level-2 table and invalidates; the next walk translates the level-0 and ' +
      'level-1 descriptors, then fails in stage 2 on the level-2 descriptor\'s IPA after 14 reads. The event ' +
      'record says so precisely: F_TRANSLATION with S2 = 1, CLASS = TT, InputAddr = the IOVA and IPA = the ' +
      'stage-1 descriptor\'s address, of which the record in the Event queue keeps the page.',
  },
  {
    id: 'exercise-stale-ring',
    file: '05-exercise-stale-ring.lab',
    title: 'Exercise: the ring buffer that would not move',
    narrative:
      'A guest driver replaces the first page of its NIC\'s receive ring and invalidates, yet the next packet ' +
      'still lands in the old page. One line of the program is wrong: the expects at the end fail until you fix ' +
      'it. Step into the last DMA and look at how the SMMU translated it, then compare what the guest asked the ' +
      'SMMU to forget with what the SMMU had remembered.',
    exercise: true,
  },
  {
    id: 'msi-window-einval',
    file: '06-msi-window-einval.lab',
    title: 'The MSI window: a MAP_DMA VFIO refuses with EINVAL',
    narrative:
      'On an Arm host with an SMMUv3, Linux keeps 1 MiB of every device\'s IOVA space at 0x800_0000 for MSI ' +
      'doorbells, and sysfs lists it among the group\'s reserved regions. The program plays the VMM on Linux 6.12 ' +
      '(LTS): it asks VFIO type1 to map guest RAM there, and the kernel answers EINVAL from ' +
      'vfio_iommu_iova_dma_valid, a result the program checks, not a crash. VFIO_IOMMU_GET_INFO, asked twice as ' +
      'QEMU asks it, reports the two IOVA ranges a VMM may use, and a mapping that ends just below the window succeeds.',
  },
  {
    id: 'resv-conflict',
    file: '07-resv-conflict.lab',
    title: 'A reserved region meets a mapping: EINVAL at attach, or at MAP_DMA',
    narrative:
      'The firmware tells Linux that one device must never see DMA in a private IOVA range, and sysfs lists that ' +
      'range as reserved for its group. On Linux 6.12 (LTS), a container that already maps that IOVA for another ' +
      'group cannot take this one: VFIO_GROUP_SET_CONTAINER fails with EINVAL from vfio_iommu_resv_conflict and the ' +
      'group stays out. Unmap first and the group joins, but then the same MAP_DMA is refused by ' +
      'vfio_iommu_iova_dma_valid, and GET_INFO shows the usable IOVA space cut into three ranges.',
  },
  {
    id: 'memlock-enomem',
    file: '08-memlock-enomem.lab',
    title: 'RLIMIT_MEMLOCK: ENOMEM, and nothing left pinned',
    narrative:
      'Every page VFIO maps for a device is pinned in memory and charged to the VMM\'s locked_vm, which ' +
      'RLIMIT_MEMLOCK bounds. On Linux 6.12 (LTS), a 1M mapping that would take a process with a 1M limit past it ' +
      'fails with ENOMEM and the kernel\'s "RLIMIT_MEMLOCK (1048576) exceeded" warning. The failed call leaves ' +
      'nothing behind: locked_vm is back where it was, its IOVA range is empty and its mapping slot is free again. ' +
      'With CAP_IPC_LOCK raised the same mapping succeeds, still charged but no longer limited.',
  },
  {
    id: 'msi-journey',
    file: '09-msi-journey.lab',
    title: 'An MSI\'s journey on the host: eventfd, SMMU, ITS, LPI',
    narrative:
      'On Linux 6.12 (LTS), QEMU\'s edu device assigned with VFIO first DMAs the bytes the VMM poked, from the ' +
      'pinned page at 0x8_1000_0040. VFIO_DEVICE_SET_IRQS with an eventfd makes the kernel map the ITS doorbell ' +
      'page at the MSI cookie\'s IOVA 0x800_0000 and program the device with 0x800_0040, so its MSI is a DMA write ' +
      'the SMMU translates to GITS_TRANSLATER (0x0809_0040) like any other. The ITS turns DeviceID 0x10 and ' +
      'EventID 0 into LPI 8192 and the eventfd counts 1: press 6 for the MSI journey view. Take the doorbell ' +
      'mapping away and the same write faults at the SMMU (F_TRANSLATION) and no interrupt arrives.',
  },
  {
    id: 'guest-owns-cd-table',
    file: '10-guest-owns-cd-table.lab',
    title: 'The guest owns the CD table: SET_PASID_TABLE (2021, never merged)',
    narrative:
      'The 2021 proposal, never merged (Linux 5.12 + Eric Auger\'s nesting series; lesson 13 shows what Linux does ' +
      'today): QEMU maps guest RAM at IOVA = GPA in a VFIO_TYPE1_NESTING_IOMMU container, the guest builds its ' +
      'stage-1 table and CD in that RAM, and VFIO_IOMMU_SET_PASID_TABLE turns the STE nested (Config 0b111, ' +
      'S1ContextPtr = the CD\'s IPA 0x401f_b000, VMID 1). The edu device reads through both stages at 0x8_1000_1040. ' +
      'After the guest remaps the page, the TLB keeps the old translation until VFIO_IOMMU_CACHE_INVALIDATE forwards ' +
      'the guest\'s TLBI as CMD_TLBI_NH_VA with the guest\'s ASID 7 and the host\'s VMID 1.',
  },
  {
    id: 'nested-msi-binding',
    file: '11-nested-msi-binding.lab',
    title: 'An MSI in nested mode: SET_MSI_BINDING (2021, never merged)',
    narrative:
      'The 2021 proposal, never merged (Linux 5.12 + nesting series; lesson 13 shows Linux today): the guest\'s MSI ' +
      'doorbell is an IPA its own stage 1 maps, so the host must put the physical doorbell behind it in stage 2. ' +
      'Without VFIO_IOMMU_SET_MSI_BINDING the NESTED_MSI cookie finds no usable mapping and enabling MSI fails with ' +
      'ENOSPC (msi_domain_alloc_irqs turns the cookie\'s -ENOMEM into -ENOSPC). With gIOVA 0x800_0000 bound to gDB ' +
      '0x0809_0000, the write 0x800_0040 goes through the guest\'s stage 1 and the host\'s stage 2 to GITS_TRANSLATER, ' +
      'becomes LPI 8192 and signals the eventfd: press 6 for the MSI journey.',
  },
  {
    id: 'guest-fault-dma-fault-region',
    file: '12-guest-fault-dma-fault-region.lab',
    title: 'A guest fault in the DMA_FAULT ring (2021, never merged)',
    narrative:
      'The 2021 proposal, never merged (Linux 5.12 + nesting series; lesson 13 shows iommufd\'s vEVENTQ, which ' +
      'Linux has today): each vfio-pci device gets a DMA_FAULT region, a ring of struct iommu_fault, and a DMA_FAULT ' +
      'interrupt. A DMA at an IOVA the guest never mapped faults in stage 1; the host converts the event into reason ' +
      'PTE_FETCH (5) with the address, appends it at the ring\'s head and signals the eventfd, and the VMM reads it ' +
      'and writes the tail back. A fault in stage 2 is the host\'s own and never reaches the ring.',
  },
  {
    id: 'iommufd-nested',
    file: '13-iommufd-nested.lab',
    title: 'The same guest on iommufd: nested HWPT, HWPT_INVALIDATE, vEVENTQ, MSI',
    narrative:
      'Lesson 10\'s guest again (RAM at IPA 0x4000_0000, its stage-1 table and CD in that RAM), on Linux 7.2 with ' +
      'the uapi that was merged instead of the 2021 seed: IOMMU_IOAS_MAP puts guest RAM in an IOAS, a NEST_PARENT ' +
      'HWPT is its stage 2 (VMID 1), a vIOMMU and a vDEVICE give the device its guest StreamID 0x8, and the guest\'s ' +
      'STE words become a nested HWPT where the seed had SET_PASID_TABLE. The edu device reads through both stages ' +
      'at 0x8_1000_1040; after the guest remaps, the TLB is stale until IOMMU_HWPT_INVALIDATE passes the guest\'s raw ' +
      'TLBI_NH_VA, which the kernel reissues with VMID 1 (the seed\'s CACHE_INVALIDATE took a generic descriptor). ' +
      'A stage-1 fault comes back from the vEVENTQ with vSID 0x8, where the seed wrote an iommu_fault into the DMA_FAULT ring. ' +
      'Last the MSI, beside lesson 11\'s SET_MSI_BINDING: no binding ioctl, the host maps the ITS doorbell at the fixed ' +
      'SW_MSI window 0x800_0000 in stage 2 (iommufd_sw_msi), the guest identity-maps that window as the IORT RMR asks, ' +
      'and the write 0x800_0040 crosses both stages to GITS_TRANSLATER 0x0809_0040, LPI 8192 and the eventfd: press 6 ' +
      'for the MSI journey.',
  },
  {
    id: 'x86-msi-window',
    file: '14-x86-msi-window.lab',
    title: 'The x86 contrast: the MSI window is not translated, interrupt remapping checks it',
    narrative:
      'Lesson 9\'s edu device on an x86 host with Intel VT-d, Linux 6.12 (LTS): sysfs lists 0xfee0_0000-0xfeef_ffff ' +
      'as a hardware MSI region, GET_INFO reports the two IOVA ranges around it, and a MAP_DMA into it is refused ' +
      'with EINVAL as on Arm. Unlike Arm, VFIO gives the domain no MSI cookie and maps nothing for interrupts: the ' +
      'device\'s DMA still goes through the VT-d page table to the pinned page 0x8_1000_0040, but its MSI is a write ' +
      'to 0xfee0_0018 that no page table sees. Interrupt remapping decodes that address (remappable format, IRTE 0, ' +
      'subhandle 0), checks the requester ID 0x10 and signals the eventfd: press 6 for the MSI journey, 5 for the ' +
      'IOVA space.',
  },
];

/** The lesson a first visit opens: the nested 4x4 walk, its program in the page's own chunk. */
export const DEFAULT_LESSON: Lesson = { ...(LESSON_INFO.find((l) => l.default === true) as LessonInfo), source: nestedWalk };

export function findLessonInfo(id: string): LessonInfo | undefined {
  return LESSON_INFO.find((l) => l.id === id);
}

let loaded: readonly Lesson[] | null = null;
let loading: Promise<readonly Lesson[]> | null = null;

/** Every lesson with its program: the sources' chunk, fetched once (a failed fetch is tried again
 *  on the next call). */
export function loadLessons(): Promise<readonly Lesson[]> {
  if (loaded !== null) return Promise.resolve(loaded);
  loading ??= import('./sources').then(
    (m) => (loaded = m.LESSONS),
    (e: unknown) => {
      loading = null;
      throw new Error(`the lessons could not be loaded (${e instanceof Error ? e.message : String(e)})`);
    },
  );
  return loading;
}

/** The lessons whose programs are here now: all once loadLessons has resolved, else the default. */
export function loadedLessons(): readonly Lesson[] {
  return loaded ?? [DEFAULT_LESSON];
}

/** The lesson with its program if its source is here already (the default lesson always; the
 *  others once loadLessons has resolved), else undefined. */
export function loadedLesson(id: string): Lesson | undefined {
  if (id === DEFAULT_LESSON.id) return DEFAULT_LESSON;
  return loaded?.find((l) => l.id === id);
}
