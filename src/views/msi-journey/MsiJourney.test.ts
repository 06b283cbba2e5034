// The MSI-journey view's markup on a hand-built model: one box per hop in order, the faulting hop
// in red with the event's name and number, the hops after it marked not reached.

import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import type { MsiJourneyVM } from '../../worker/models/msi';
import MsiJourney from './MsiJourney';

const hop = (id: MsiJourneyVM['hops'][number]['id'], owner: MsiJourneyVM['hops'][number]['owner'], state: MsiJourneyVM['hops'][number]['state']) =>
  ({ id, title: id.toUpperCase(), owner, state, lookup: [`${id} looked up`], out: state === 'done' ? `${id} out` : null, fault: null });

const faulted: MsiJourneyVM = {
  arch: 'arm', step: 12, current: true, bdf: '0000:00:02.0', sid: '0x10', addr: '0x8000040', data: '0x5',
  outcome: 'faulted', summary: 'The MSI write to IOVA 0x8000040 faults in stage 2.',
  hops: [
    hop('device', 'device', 'done'), hop('s1', 'guest', 'done'),
    { ...hop('s2', 'host', 'fault'), fault: { name: 'F_TRANSLATION', code: '0x10', text: 'S2 = 1, CLASS IN, IPA 0x8000040' } },
    hop('its', 'hw', 'unreached'), hop('lpi', 'hw', 'unreached'), hop('target', 'host', 'unreached'),
  ],
};

describe('MsiJourney markup', () => {
  const html = renderToStaticMarkup(createElement(MsiJourney, { vm: faulted }));
  it('draws the hops in order, each in its owner\'s colour class', () => {
    const order = [...html.matchAll(/data-hop="([a-z0-9]+)"/g)].map((m) => m[1]);
    expect(order).toEqual(['device', 's1', 's2', 'its', 'lpi', 'target']);
    expect(html).toContain('class="mj-hop guest done"');
    expect(html).toContain('class="mj-hop host fault"');
  });
  it('stops in red at stage 2 with the event written out', () => {
    expect(html).toContain('<b>F_TRANSLATION (0x10)</b>: S2 = 1, CLASS IN, IPA 0x8000040');
    expect(html).toContain('STOPPED HERE');
    expect(html.match(/class="mj-state">not reached/g)).toHaveLength(3);
    expect(html).toContain('data-outcome="faulted"');
  });
  it('says so before any MSI', () => {
    expect(renderToStaticMarkup(createElement(MsiJourney, { vm: null }))).toContain('No MSI yet');
  });
});
