// The state a share link carries and autosave keeps: the program, the position (step, access),
// the open views, the lesson and presenter mode. One zod schema validates it wherever it comes
// from (a link, local storage, the app); its messages are sentences a student can act on, and
// every one names the field it is about (docs/links.md).

// zod/mini: the same schemas in the tree-shakable form, a fraction of the page's bytes (docs/dependencies.md).
import { z } from 'zod/mini';
import { formatPath } from '../../model/json-path';

/** The version of LinkState this IOMMU Lab writes. Older ones are upgraded (migrations.ts). */
export const CURRENT_VERSION = 1;

/** Every view a link may open, in the order the app lays them out. */
export const VIEW_IDS = ['walk', 'tables', 'smmu', 'timeline', 'iova', 'msi', 'replay', 'trace'] as const;
export type ViewId = (typeof VIEW_IDS)[number];

/** The views a first visit opens; a link stores its views only when they differ from these. */
export const DEFAULT_VIEWS: readonly ViewId[] = ['walk', 'tables', 'smmu', 'timeline'];

export const MAX_PROGRAM_CHARS = 200_000;
export const MAX_VIEWS = 16;
export const MAX_LESSON_ID_CHARS = 64;
/** Lower-case words of letters and digits joined by single '-': 'nested-walk', 's2-fault-on-s1-table'. */
export const LESSON_ID_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

export interface Position {
  /** The statement (step over, F10). */
  step: number;
  /** The SMMU memory access inside the step (step into, F11); 0 = before the first. */
  access: number;
}

export interface LinkState {
  v: typeof CURRENT_VERSION;
  program: string;
  position: Position;
  /** Open view ids, in order (VIEW_IDS); no duplicates. */
  views: string[];
  /** The lesson the program came from, or null for the student's own program. */
  lesson: string | null;
  /** Presenter mode; absent means off. */
  presenter?: boolean;
}

// Messages: written for a link; autosave rewords the subject (see `describeIssue`).
const SUBJECT = "the link's";
const n = (x: number): string => x.toLocaleString('en-US');
const shown = (x: unknown): string => {
  const s = typeof x === 'string' ? x : JSON.stringify(x) ?? String(x);
  return `'${s.length > 40 ? `${s.slice(0, 40)}...` : s}'`;
};

const count = (what: string) =>
  z.int({ error: `${SUBJECT} ${what} is not a whole number from 0 up` })
    .check(z.nonnegative({ error: `${SUBJECT} ${what} is not a whole number from 0 up` }));

/** Field schemas, shared by the state, the link's payload (all optional there) and migrations. */
export const fields = {
  program: z.string({ error: `${SUBJECT} program is not text` }).check(z.maxLength(MAX_PROGRAM_CHARS, {
    error: (iss) =>
      `${SUBJECT} program is too long (${n((iss.input as string).length)} characters; at most ${n(MAX_PROGRAM_CHARS)})`,
  })),
  position: z.strictObject(
    { step: count('step'), access: count('access') },
    { error: (iss) => iss.code === 'unrecognized_keys'
      ? `${SUBJECT} position has a field IOMMU Lab does not know (${iss.keys.map(shown).join(', ')})`
      : `${SUBJECT} position is not a step and an access` },
  ),
  views: z
    .array(
      z.enum(VIEW_IDS, {
        error: (iss) => `${SUBJECT} views include one IOMMU Lab does not have (${shown(iss.input)}; it has ${VIEW_IDS.join(', ')})`,
      }),
      { error: `${SUBJECT} views are not a list of view names` },
    )
    .check(z.maxLength(MAX_VIEWS, {
      error: (iss) => `${SUBJECT} views are too many (${n((iss.input as unknown[]).length)}; at most ${MAX_VIEWS})`,
    }))
    .check((ctx) => {
      const seen = new Set<string>();
      ctx.value.forEach((v, i) => {
        if (seen.has(v)) {
          ctx.issues.push({ code: 'custom', input: v, path: [i], message: `${SUBJECT} views list ${shown(v)} twice` });
        }
        seen.add(v);
      });
    }),
  lesson: z.nullable(z
    .string({ error: `${SUBJECT} lesson is not a lesson id` })
    .check(
      z.maxLength(MAX_LESSON_ID_CHARS, { error: `${SUBJECT} lesson id is too long (at most ${MAX_LESSON_ID_CHARS} characters)` }),
      z.regex(LESSON_ID_PATTERN, {
        error: (iss) => `${SUBJECT} lesson id ${shown(iss.input)} is malformed (lower-case words joined by '-')`,
      }),
    )),
  presenter: z.boolean({ error: `${SUBJECT} presenter mode is not true or false` }),
};

const unknownKeys = (what: string) => (iss: { code?: string; keys?: string[] }) =>
  iss.code === 'unrecognized_keys'
    ? `${what} holds something IOMMU Lab does not know (${(iss.keys ?? []).map(shown).join(', ')})`
    : `${what} is not a lab state`;

/** A whole LinkState: every field present, `v` the current version. */
export const LinkStateSchema = z.strictObject(
  {
    v: z.literal(CURRENT_VERSION, { error: `${SUBJECT} version is not ${CURRENT_VERSION}` }),
    program: fields.program,
    position: fields.position,
    views: fields.views,
    lesson: fields.lesson,
    presenter: z.optional(fields.presenter),
  },
  { error: unknownKeys('the link') },
) satisfies z.ZodMiniType<LinkState>;

/** A LinkState's content as a link of the current version stores it: only what differs from the defaults. */
export const PayloadSchemaV1 = z.strictObject(
  {
    program: z.optional(fields.program),
    position: z.optional(fields.position),
    views: z.optional(fields.views),
    lesson: z.optional(fields.lesson),
    presenter: z.optional(fields.presenter),
  },
  { error: unknownKeys('the link') },
);
export type PayloadV1 = z.infer<typeof PayloadSchemaV1>;

/** `views[2]`, `position.step`; '' for the root. */
export function jsonPath(path: readonly PropertyKey[]): string {
  return formatPath(path).replace(/^\$\.?/, '');
}

/**
 * One sentence for the first issue of a failed parse, with its JSON path: "the link's views
 * include one IOMMU Lab does not have ('gird'; ...) (at views[1])". `subject` rewords it for
 * another source: describeIssue(e, 'your') gives "your views include ...".
 */
export function describeIssue(error: z.core.$ZodError, subject = SUBJECT): string {
  const issue = error.issues[0];
  if (issue === undefined) return `${subject} state is not valid`;
  const path = jsonPath(issue.path);
  let message = issue.message;
  if (subject !== SUBJECT) message = message.split(SUBJECT).join(subject).replace(/^the link\b/, 'the saved work');
  return path === '' ? message : `${message} (at ${path})`;
}

export type Validated = { ok: true; state: LinkState } | { ok: false; error: string };

/** Validates anything claimed to be a LinkState; never throws. */
export function validateState(x: unknown, subject = SUBJECT): Validated {
  const r = LinkStateSchema.safeParse(x);
  return r.success ? { ok: true, state: canonical(r.data) } : { ok: false, error: describeIssue(r.error, subject) };
}

/** The one form of a state: presenter present only when on, fresh arrays and objects. */
export function canonical(s: LinkState): LinkState {
  const out: LinkState = {
    v: s.v,
    program: s.program,
    position: { step: s.position.step, access: s.position.access },
    views: [...s.views],
    lesson: s.lesson,
  };
  if (s.presenter === true) out.presenter = true;
  return out;
}

export function sameViews(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
