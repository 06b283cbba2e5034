// The editor's palette is theme.css's: a colour changed there must change here.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TOKEN_TYPES } from './monarch';
import { CSS_VARIABLES, monacoTheme, PALETTE } from './theme';

const css = readFileSync(join(__dirname, '../../app/theme.css'), 'utf8');

/** The variables declared in the first block whose selector is exactly `selector`. */
function block(selector: string): Record<string, string> {
  const at = css.indexOf(`${selector} {`);
  if (at < 0) throw new Error(`theme.css has no ${selector} block`);
  const body = css.slice(css.indexOf('{', at) + 1, css.indexOf('}', at));
  return Object.fromEntries([...body.matchAll(/(--[\w-]+)\s*:\s*([^;]+);/g)].map((m) => [m[1], m[2].trim().toLowerCase()]));
}

describe('editor themes', () => {
  it('use theme.css colours, light and dark', () => {
    const light = block(':root');
    const dark = block(":root[data-theme='dark']");
    for (const [key, variable] of Object.entries(CSS_VARIABLES) as [keyof typeof CSS_VARIABLES, string][]) {
      expect(PALETTE.light[key], `light ${variable}`).toBe(light[variable]);
      expect(PALETTE.dark[key], `dark ${variable}`).toBe(dark[variable]);
    }
  });

  it('colour builtins by actor: guest with --guest-mark, host with --host-mark', () => {
    for (const name of ['light', 'dark'] as const) {
      const rules = new Map(monacoTheme(name).rules.map((r) => [r.token, r.foreground]));
      expect(rules.get('builtin.guest')).toBe(PALETTE[name].guestMark.slice(1));
      expect(rules.get('builtin.host')).toBe(PALETTE[name].hostMark.slice(1));
      expect(monacoTheme(name).colors['editor.background']).toBe(PALETTE[name].bg);
    }
  });

  it('have a rule for every token type the grammar makes, or its parent', () => {
    const tokens = new Set(monacoTheme('light').rules.map((r) => r.token));
    const covered = (t: string): boolean => tokens.has(t) || (t.includes('.') && covered(t.slice(0, t.lastIndexOf('.'))));
    for (const t of TOKEN_TYPES) if (t !== 'white') expect(covered(t), t).toBe(true);
    // Base themes colour number.hex and the like: each number token has its own rule.
    for (const t of TOKEN_TYPES) if (t.startsWith('number')) expect(tokens.has(t), t).toBe(true);
  });
});
