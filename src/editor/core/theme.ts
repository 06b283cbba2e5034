// The editor's two themes, from the app's colours (src/app/theme.css): Monaco needs literal
// colours, so the variables it uses are copied here, and theme.test.ts fails when they drift.
// Builtins are coloured by who acts: guest blue, host orange, the hardware (dev, smmu, mem) grey.

import type { editor } from 'monaco-editor/editor';

/** theme.css variables, light (:root) and dark (:root[data-theme='dark']). */
export const PALETTE = {
  light: {
    bg: '#ffffff', panelBg: '#f7f8fa', fg: '#111111', muted: '#4a4f57', rule: '#c8ccd2', headBg: '#e9edf2',
    guest: '#e3eeff', guestMark: '#2461c4', host: '#ffefdc', hostMark: '#b35c00', hwMark: '#525a66',
    current: '#ffd400', hit: '#1d7f3a', fault: '#c4161c', faultBg: '#fde3e3', focus: '#7a3cff',
  },
  dark: {
    bg: '#121417', panelBg: '#181b20', fg: '#f2f2f2', muted: '#b9bec6', rule: '#3a3f46', headBg: '#1f242b',
    guest: '#13233d', guestMark: '#7fb0ff', host: '#36250f', hostMark: '#ffb35c', hwMark: '#aab2bd',
    current: '#e0b800', hit: '#5bd27d', fault: '#ff5a5f', faultBg: '#3d1416', focus: '#b89bff',
  },
} as const;

/** Which theme.css variable each palette key copies. */
export const CSS_VARIABLES: Record<keyof (typeof PALETTE)['light'], string> = {
  bg: '--bg', panelBg: '--panel-bg', fg: '--fg', muted: '--muted', rule: '--rule', headBg: '--head-bg',
  guest: '--guest', guestMark: '--guest-mark', host: '--host', hostMark: '--host-mark', hwMark: '--hw-mark',
  current: '--current', hit: '--hit', fault: '--fault', faultBg: '--fault-bg', focus: '--focus',
};

/** Two token colours theme.css has no variable for (strings and enum words), per theme. */
const EXTRA = {
  light: { string: '#0b7285', enumWord: '#a0307a' },
  dark: { string: '#5fd3e0', enumWord: '#f08ccf' },
} as const;

export type ThemeName = 'light' | 'dark';
export const MONACO_THEME: Record<ThemeName, string> = { light: 'lab-light', dark: 'lab-dark' };

const hex = (c: string) => c.replace(/^#/, '');

/** Monaco's theme data for one of the app's themes. */
export function monacoTheme(name: ThemeName): editor.IStandaloneThemeData {
  const p = PALETTE[name];
  const x = EXTRA[name];
  const rule = (token: string, foreground: string, fontStyle?: string): editor.ITokenThemeRule =>
    ({ token, foreground: hex(foreground), ...(fontStyle ? { fontStyle } : {}) });
  return {
    base: name === 'light' ? 'vs' : 'vs-dark',
    inherit: true,
    rules: [
      rule('', p.fg),
      rule('comment', p.muted, 'italic'),
      rule('keyword', p.focus, 'bold'),
      rule('keyword.operator', p.focus, 'bold'),
      rule('constant.language', p.focus),
      rule('constant.enum', x.enumWord),
      rule('identifier', p.fg),
      rule('variable.parameter', p.muted),
      rule('builtin.guest', p.guestMark, 'bold'),
      rule('builtin.host', p.hostMark, 'bold'),
      rule('builtin.dev', p.hwMark, 'bold'),
      rule('builtin.smmu', p.hwMark, 'bold'),
      rule('builtin.mem', p.hwMark, 'bold'),
      // The VMM's system calls to the host kernel: the host's colour.
      rule('builtin.vfio', p.hostMark, 'bold'),
      rule('builtin.process', p.hostMark, 'bold'),
      rule('builtin.sysfs', p.hostMark, 'bold'),
      rule('builtin.iommufd', p.hostMark, 'bold'),
      // The host's device (QEMU's edu): hardware, as dev.
      rule('builtin.edu', p.hwMark, 'bold'),
      rule('number', p.hit),
      rule('number.hex', p.hit),
      rule('number.binary', p.hit),
      rule('number.size', p.hit),
      rule('number.invalid', p.fault, 'underline'),
      rule('string', x.string),
      rule('string.escape', x.enumWord),
      rule('string.escape.invalid', p.fault, 'underline'),
      rule('string.invalid', p.fault),
      rule('operator', p.fg),
      rule('delimiter', p.muted),
      rule('delimiter.parenthesis', p.fg),
      rule('delimiter.curly', p.fg),
      rule('invalid', p.fault, 'underline'),
    ],
    colors: {
      'editor.background': p.bg,
      'editor.foreground': p.fg,
      'editorGutter.background': p.bg,
      'editorLineNumber.foreground': p.muted,
      'editorLineNumber.activeForeground': p.fg,
      'editorCursor.foreground': p.fg,
      'editor.lineHighlightBackground': `${p.headBg}80`,
      'editor.lineHighlightBorder': '#00000000',
      'editor.selectionBackground': name === 'light' ? '#b9d3ff' : '#2b4a7a',
      'editor.inactiveSelectionBackground': name === 'light' ? '#dbe6f7' : '#243448',
      'editorIndentGuide.background1': p.rule,
      'editorWhitespace.foreground': p.rule,
      'editorBracketMatch.border': p.muted,
      'editorBracketMatch.background': '#00000000',
      'editorError.foreground': p.fault,
      'editorWarning.foreground': p.hostMark,
      'editorOverviewRuler.border': '#00000000',
      'editorWidget.background': p.panelBg,
      'editorWidget.border': p.rule,
      'editorHoverWidget.background': p.panelBg,
      'editorHoverWidget.border': p.rule,
      'editorSuggestWidget.background': p.panelBg,
      'editorSuggestWidget.border': p.rule,
      'editorSuggestWidget.selectedBackground': p.headBg,
      'focusBorder': p.focus,
      'scrollbarSlider.background': `${p.muted}33`,
      'scrollbarSlider.hoverBackground': `${p.muted}55`,
      'scrollbarSlider.activeBackground': `${p.muted}77`,
    },
  };
}
