// The status line's kernel badge follows the program's host: none until its first host-side call,
// then the declared profile (host.kernel), the 2021 proposal marked as one.

import { describe, expect, it } from 'vitest';
import { openLab } from '../../engine/lab';
import { buildKernelBadge } from './kernel';

function badgeAtEnd(source: string) {
  const s = openLab(source, { wallBudgetMs: Infinity }).session!;
  s.run();
  return buildKernelBadge({ machine: s.machineAt({ step: s.records.length, access: 0 }) });
}

describe('kernel badge', () => {
  it('is absent without a host', () => {
    expect(badgeAtEnd('let x = 1\n')).toBeNull();
  });
  it('names 6.12 (LTS), the default profile, once a host call made the host', () => {
    expect(badgeAtEnd('let c = vfio.open("/dev/vfio/vfio")\n')).toMatchObject({ id: '6.12', badge: 'Linux 6.12 (LTS)', proposal: false });
  });
  it('names 7.2 when the program declares it', () => {
    expect(badgeAtEnd('host.kernel("7.2")\nlet c = vfio.open("/dev/vfio/vfio")\n')).toMatchObject({ id: '7.2', proposal: false });
  });
  it('marks the 2021 series as a proposal that never merged', () => {
    const b = badgeAtEnd('host.platform(arm64_virt, smmu_stage: nested)\nhost.kernel("5.12-nested")\nlet c = vfio.open("/dev/vfio/vfio")\n');
    expect(b).toMatchObject({ id: '5.12-nested', proposal: true });
    expect(b!.badge).toContain('never merged');
  });
});
