// Old links keep opening: every version of the payload a link (or the autosave) ever stored has a
// schema here, and a numbered up-migration to the next version. Loading validates a payload
// against its own version's schema, then falls through the migrations one version at a time
// (0 -> 1 -> ... -> CURRENT_VERSION), as Compiler Explorer's url.ts does; an unknown version is
// refused. Adding version N+1: freeze PayloadSchemaV<N> and its fixtures, write the schema of
// N+1 and `MIGRATIONS[N]`, bump CURRENT_VERSION (docs/links.md, "Adding a version").

import { z } from 'zod/mini';
import { CURRENT_VERSION, describeIssue, fields, MAX_VIEWS, PayloadSchemaV1, type PayloadV1 } from './state';

// ---------------------------------------------------------------------------------------------
// Version 0: the prototype's links, `#code/<lz-string>` (docs/links.md, "Version 0"). The
// program was `code`, always stored in full; the position was only a step (no access); the views
// were "panes", and the walk grid's pane was called 'grid'. No presenter mode.

export const PANES_V0 = ['grid', 'tables', 'smmu', 'timeline'] as const;

export const PayloadSchemaV0 = z.strictObject(
  {
    code: fields.program,
    step: z.optional(z.int({ error: "the link's step is not a whole number from 0 up" })
      .check(z.nonnegative({ error: "the link's step is not a whole number from 0 up" }))),
    panes: z.optional(z
      .array(z.enum(PANES_V0, { error: (iss) => `the link's panes include one IOMMU Lab never had ('${String(iss.input)}')` }),
        { error: "the link's panes are not a list of pane names" })
      .check(z.maxLength(MAX_VIEWS, { error: `the link's panes are too many (at most ${MAX_VIEWS})` }))),
    lesson: z.optional(fields.lesson),
  },
  {
    error: (iss) => iss.code === 'unrecognized_keys'
      ? `the link holds something IOMMU Lab does not know (${iss.keys.map((k) => `'${k}'`).join(', ')})`
      : 'the link is not a lab state',
  },
);
export type PayloadV0 = z.infer<typeof PayloadSchemaV0>;

const PANE_TO_VIEW = { grid: 'walk', tables: 'tables', smmu: 'smmu', timeline: 'timeline' } as const;

function up0to1(p: PayloadV0): PayloadV1 {
  const out: PayloadV1 = { program: p.code };
  if (p.lesson !== undefined) out.lesson = p.lesson;
  if (p.step !== undefined && p.step !== 0) out.position = { step: p.step, access: 0 };
  if (p.panes !== undefined) out.views = [...new Set(p.panes.map((pane) => PANE_TO_VIEW[pane]))];
  return out;
}

// ---------------------------------------------------------------------------------------------
// The table

export interface Migration {
  /** It upgrades a payload of this version to version `from + 1`. */
  readonly from: number;
  readonly what: string;
  /** The schema of version `from`, checked before `up` runs. */
  readonly schema: z.ZodMiniType;
  readonly up: (payload: never) => unknown;
}

function migration<S extends z.ZodMiniType>(from: number, what: string, schema: S, up: (p: z.output<S>) => unknown): Migration {
  return { from, what, schema, up: up as (payload: never) => unknown };
}

/** MIGRATIONS[n] upgrades version n to n + 1; there is one for every version below the current. */
export const MIGRATIONS: readonly Migration[] = [
  migration(0, "code -> program, step -> position { step, access: 0 }, panes -> views ('grid' -> 'walk')", PayloadSchemaV0, up0to1),
];

export type Upgraded =
  | { ok: true; payload: PayloadV1 }
  | { ok: false; kind: 'newer' | 'unknown' | 'invalid'; error: string };

/**
 * A payload of `version` brought to the current version's shape, validated at every version it
 * passes through. Never throws. (The caller has already checked the JSON's shape: payload.ts.)
 */
export function upgradePayload(version: number, payload: unknown): Upgraded {
  return upgradeWith({ migrations: MIGRATIONS, current: CURRENT_VERSION, schema: PayloadSchemaV1 }, version, payload);
}

/** The machinery behind upgradePayload, for any table (migrations.test.ts proves it on a longer one). */
export function upgradeWith<T>(
  table: { migrations: readonly Migration[]; current: number; schema: z.ZodMiniType<T> },
  version: number,
  payload: unknown,
): { ok: true; payload: T } | { ok: false; kind: 'newer' | 'unknown' | 'invalid'; error: string } {
  const { migrations, current: CURRENT_VERSION, schema } = table;
  if (!Number.isSafeInteger(version) || version < 0) {
    return { ok: false, kind: 'unknown', error: `this link has a version IOMMU Lab never made (${String(version)})` };
  }
  if (version > CURRENT_VERSION) {
    return {
      ok: false,
      kind: 'newer',
      error: `this link was made by a newer IOMMU Lab (version ${version}); this one opens links up to version ${CURRENT_VERSION}: reload the page to get the newest`,
    };
  }
  let data: unknown = payload;
  for (let v = version; v < CURRENT_VERSION; v++) {
    const m = migrations[v];
    if (m === undefined || m.from !== v) {
      return { ok: false, kind: 'unknown', error: `this IOMMU Lab cannot upgrade links of version ${v}` };
    }
    const r = m.schema.safeParse(data);
    if (!r.success) return { ok: false, kind: 'invalid', error: describeIssue(r.error) };
    try {
      data = (m.up as (p: unknown) => unknown)(r.data);
    } catch {
      return { ok: false, kind: 'invalid', error: `this link could not be upgraded from version ${v}` };
    }
  }
  const r = schema.safeParse(data);
  if (!r.success) return { ok: false, kind: 'invalid', error: describeIssue(r.error) };
  return { ok: true, payload: r.data };
}
