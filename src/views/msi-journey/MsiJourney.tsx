// The MSI-journey view (shared/VIEWS.md "MSI journey"): the last MSI the program raised as a
// pipeline of hops, left to right (wrapping on a narrow panel): the device, the SMMU's stages
// (stage 1 in the guest's colour under nesting, the host's otherwise; stage 2 the host's), the
// ITS (DeviceID, EventID), the LPI and its target (a Redistributor, or VFIO's eventfd); on x86
// the device, DMA remapping (bypassed: the interrupt window), interrupt remapping and the vector.
// Each hop shows what it looked up and what it handed on; the journey stops in red at the hop
// that failed, with the SMMU event (name and number) or the ITS's drop reason written out.

import type { MsiHopVM, MsiJourneyVM } from '../../worker/models/msi';
import '../pane.css';
import './msi-journey.css';

export interface MsiJourneyProps {
  vm: MsiJourneyVM | null;
}

const STATE_TEXT: Record<MsiHopVM['state'], string> = {
  done: 'passed', active: 'under way', fault: 'STOPPED HERE', bypass: 'not translated', pending: 'to come', unreached: 'not reached',
};

const OUTCOME_TEXT: Record<MsiJourneyVM['outcome'], string> = {
  delivered: 'delivered', faulted: 'faulted', dropped: 'dropped', lost: 'lost (no interrupt)', 'in-flight': 'in flight',
};

export default function MsiJourney({ vm }: MsiJourneyProps) {
  if (vm === null) {
    return (
      <div className="view-pane msi-journey empty" data-testid="msi-journey">
        <p>No MSI yet: the journey appears when the program's device raises an MSI.</p>
      </div>
    );
  }
  return (
    <div className="view-pane msi-journey" data-testid="msi-journey" data-outcome={vm.outcome}>
      <header className="mj-head">
        <span className={`mj-outcome ${vm.outcome}`}>{OUTCOME_TEXT[vm.outcome]}</span>
        <span className="mj-where">
          {vm.arch === 'arm' ? 'Arm: the MSI is a DMA write, translated by the SMMU' : 'x86: the interrupt window is not translated'}
          <span className="muted"> · step {vm.step}{vm.current ? ' (this step)' : ' (an earlier step)'}</span>
        </span>
      </header>
      <p className="mj-summary" data-testid="msi-summary">{vm.summary}</p>
      <ol className="mj-hops" aria-label="The MSI's hops">
        {vm.hops.map((h, i) => (
          <li key={h.id} className="mj-step">
            {i > 0 && <span className={`mj-arrow ${h.state}`} aria-hidden="true">→</span>}
            <Hop hop={h} />
          </li>
        ))}
      </ol>
    </div>
  );
}

function Hop({ hop }: { hop: MsiHopVM }) {
  const label = `${hop.title}: ${STATE_TEXT[hop.state]}. ${hop.lookup.join('. ')}${hop.out ? `. Out: ${hop.out}` : ''}${hop.fault ? `. ${hop.fault.name} ${hop.fault.code}: ${hop.fault.text}` : ''}`;
  return (
    <section className={`mj-hop ${hop.owner} ${hop.state}`} data-hop={hop.id} aria-label={label} tabIndex={0} title={label}>
      <h3><span className="mj-swatch" aria-hidden="true" />{hop.title}</h3>
      <p className="mj-state">{hop.state === 'fault' ? '✕ ' : ''}{STATE_TEXT[hop.state]}</p>
      {hop.lookup.length > 0 && (
        <ul className="mj-lookup">{hop.lookup.map((l, i) => <li key={i}>{l}</li>)}</ul>
      )}
      {hop.out && <p className="mj-out">→ {hop.out}</p>}
      {hop.fault && (
        <p className="mj-fault"><b>{hop.fault.name}{hop.fault.code ? ` (${hop.fault.code})` : ''}</b>: {hop.fault.text}</p>
      )}
    </section>
  );
}
