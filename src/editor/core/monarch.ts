// The lab language's Monarch grammar, as data (docs/language.md "Lexical rules"): Monaco colours
// with it, and monarch.test.ts runs Monaco's own Monarch tokenizer over it in Node. Builtins are
// coloured by actor (guest blue, host orange, the hardware grey); named arguments (`perm:`) and the
// bare words arguments accept (`rw`, `read`, `CMD_TLBI_NH_VA`) have their own tokens. The words
// come from the registry's data when the worker has sent it; until then CMD_-style names only.

import type { languages } from 'monaco-editor/editor';
import { KEYWORDS } from '../../lang/lexer';
import type { BuiltinMeta } from '../../worker/api';

export const LANGUAGE_ID = 'lab';
/** Signatures in hovers and completion docs (`pgsize?` marks an optional argument): the lab
 *  grammar, plus that `?`. */
export const SIGNATURE_LANGUAGE_ID = 'lab-signature';

/** The actors, as the registry knows them (registry-types.ts `Actor`). */
export const DEFAULT_ACTORS: readonly string[] = ['host', 'guest', 'dev', 'smmu', 'mem', 'vfio', 'process', 'sysfs', 'iommufd', 'edu'];

const WORD_OPERATORS = ['and', 'or', 'not'];
const CONSTANTS = ['true', 'false'];

/** Token types this grammar produces (before Monaco appends ".lab"); themes colour each. */
export const TOKEN_TYPES = [
  'comment', 'keyword', 'keyword.operator', 'constant.language', 'constant.enum', 'identifier',
  'variable.parameter', 'builtin.host', 'builtin.guest', 'builtin.dev', 'builtin.smmu', 'builtin.mem',
  'builtin.vfio', 'builtin.process', 'builtin.sysfs', 'builtin.iommufd', 'builtin.edu',
  'number', 'number.hex', 'number.binary', 'number.size', 'number.invalid',
  'string', 'string.quote', 'string.escape', 'string.escape.invalid', 'string.invalid',
  'operator', 'delimiter', 'delimiter.parenthesis', 'delimiter.curly', 'white', 'invalid',
] as const;

function unique(xs: Iterable<string>): string[] {
  return [...new Set(xs)].sort();
}

/** The bare words some builtin argument accepts. One-letter words (`r`, `w`) are coloured only
 *  right after a `name:` (elsewhere `r` is the usual name of a result variable). */
export function enumWords(meta: readonly BuiltinMeta[] | null): { words: string[]; short: string[] } {
  const all = unique((meta ?? []).flatMap((b) => b.args.flatMap((a) => a.words)));
  return { words: all.filter((w) => w.length > 1), short: all.filter((w) => w.length === 1) };
}

const IDENT = /[A-Za-z_]\w*/.source;

/** The Monarch grammar, with the registry's actors and words when `meta` is given; for
 *  signatures, `?` after an argument's name is punctuation, not an error. */
export function labMonarch(meta: readonly BuiltinMeta[] | null, signature = false): languages.IMonarchLanguage {
  const actors = meta !== null && meta.length > 0 ? unique(meta.map((b) => b.actor)) : [...DEFAULT_ACTORS];
  const { words, short } = enumWords(meta);
  const identCases = {
    '@keywords': 'keyword',
    '@wordOperators': 'keyword.operator',
    '@constants': 'constant.language',
    '@enumWords': 'constant.enum',
    '@default': 'identifier',
  };
  return {
    defaultToken: 'invalid',
    keywords: KEYWORDS.filter((k) => !WORD_OPERATORS.includes(k) && !CONSTANTS.includes(k)),
    wordOperators: WORD_OPERATORS,
    constants: CONSTANTS,
    enumWords: words,
    anyWord: [...words, ...short],
    brackets: [
      { open: '(', close: ')', token: 'delimiter.parenthesis' },
      { open: '{', close: '}', token: 'delimiter.curly' },
    ],
    tokenizer: {
      root: [
        [/#.*$/, 'comment'],
        // Habits from other languages, which the lexer answers with an error.
        [/\/\/.*$/, 'invalid'],
        [/&&|\|\||\*\*|!(?!=)/, 'invalid'],
        // guest.s1.map: a dotted name whose first part is an actor is always that builtin.
        ...actors.map((a): languages.IMonarchLanguageRule => [new RegExp(`${a}(?:\\.${IDENT})+(?![\\w.])`), `builtin.${a}`]),
        // CMD_TLBI_NH_VA before the registry has arrived.
        [/CMD_[A-Z0-9_]+(?!\w)/, 'constant.enum'],
        // perm: rw — a named argument, then maybe a word it takes.
        [new RegExp(`(${IDENT})(\\s*)(:)`), [
          { cases: { '@keywords': 'keyword', '@default': 'variable.parameter' } },
          'white',
          { token: 'delimiter', next: '@argValue' },
        ]],
        // r.walk.reads: a field, whatever its name.
        [new RegExp(`(\\.)(${IDENT})`), ['delimiter', 'identifier']],
        [new RegExp(IDENT), { cases: identCases }],
        ...(signature ? [[/\?/, 'delimiter'] as languages.IMonarchLanguageRule] : []),
        [/0[xX][0-9a-fA-F](?:_?[0-9a-fA-F])*(?!\w)/, 'number.hex'],
        [/0[bB][01](?:_?[01])*(?!\w)/, 'number.binary'],
        [/(?:[1-9](?:_?\d)*|0)[KMGT](?!\w)/, 'number.size'],
        [/(?:[1-9](?:_?\d)*|0)(?!\w)(?!\.\d)/, 'number'],
        // 4KB, 010, 1__0, 0x_1, 1.5: the lexer says what is wrong.
        [/\d\w*(?:\.\d\w*)?/, 'number.invalid'],
        [/"/, { cases: { '@eos': 'string.invalid', '@default': { token: 'string.quote', next: '@string' } } }],
        [/'[^']*'?/, 'string.invalid'],
        [/[ \t]+/, 'white'],
        [/[(){}]/, '@brackets'],
        [/\.\.=?|==|!=|<=|>=|<<|>>|[-+*/%&|^~<>=]/, 'operator'],
        [/[,;.]/, 'delimiter'],
      ],
      // After `name:`: a bare word the argument may take is coloured as one; anything else goes
      // back to the root rules.
      argValue: [
        [/[ \t]+/, 'white'],
        [new RegExp(`${IDENT}(?![\\w.])`), { cases: { '@anyWord': { token: 'constant.enum', next: '@pop' }, '@default': { token: '@rematch', next: '@pop' } } }],
        [/./, { token: '@rematch', next: '@pop' }],
      ],
      // A string ends at its '"' or, unterminated, at the end of its line.
      string: [
        [/[^\\"]+/, { cases: { '@eos': { token: 'string.invalid', next: '@pop' }, '@default': 'string' } }],
        [/\\(?:[ntr0\\"]|x[0-9a-fA-F]{2})/, { cases: { '@eos': { token: 'string.invalid', next: '@pop' }, '@default': 'string.escape' } }],
        [/\\.?/, { cases: { '@eos': { token: 'string.invalid', next: '@pop' }, '@default': 'string.escape.invalid' } }],
        [/"/, { token: 'string.quote', next: '@pop' }],
      ],
    },
  };
}
