// The timeline view's first render (before any page arrives): the filter chips, the status line
// and an empty scroll area. Paging and scrolling are the browser's (checked in Chromium).

import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { TIMELINE_GROUP_INFO, TIMELINE_GROUPS } from '../../worker/timeline-api';
import Timeline, { type TimelineApi } from './Timeline';

describe('Timeline markup', () => {
  it('shows one chip per group, all on, and no rows before the first page', () => {
    const api: TimelineApi = { timeline: async () => ({ total: 0, start: 0, rows: [], executed: 0, current: -1 }) };
    const html = renderToStaticMarkup(createElement(Timeline, { api, currentStep: 0, onJump: () => {} }));
    for (const g of TIMELINE_GROUPS) expect(html).toContain(`>${TIMELINE_GROUP_INFO[g].label}<`);
    expect(html.match(/aria-pressed="true"/g)).toHaveLength(TIMELINE_GROUPS.length);
    expect(html).toContain('0 rows');
    expect(html).not.toContain('tl-row');
  });
});
