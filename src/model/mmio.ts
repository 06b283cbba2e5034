// A device's MMIO register file: registers by offset, 32- and 64-bit accesses, 32-bit halves of
// 64-bit registers read and written separately (the other half kept), and RAZ/WI for reserved
// offsets and illegal sizes. The SMMU (SMMUv3 §6.2) and the GICv3 ITS share these rules; each
// traces the access in its own words.

export interface RegDef {
  name: string;
  bytes: 4 | 8;
  read(): bigint;
  /** Absent: read-only. Returns a note for the trace when the write is ignored or acts. */
  write?(v: bigint): string | void;
}

/** What an access reached: the register's name, the value read or written, and a note. */
export interface RegAccess {
  name: string;
  value: bigint;
  note?: string;
}

export interface RegisterFileOptions {
  /** Appended to the notes, e.g. " (§6.2)". */
  cite?: string;
  /** What a reserved offset is called in its note: RES0 (SMMU) or RAZ/WI (ITS, as QEMU). */
  reserved?: string;
}

export class RegisterFile {
  private readonly defs: Map<number, RegDef>;
  private readonly cite: string;
  private readonly reserved: string;

  constructor(defs: Iterable<[number, RegDef]>, opts: RegisterFileOptions = {}) {
    this.defs = new Map(defs);
    this.cite = opts.cite ?? '';
    this.reserved = opts.reserved ?? 'RAZ/WI';
  }

  read(offset: number, size: number): RegAccess {
    const at = this.locate(offset, size);
    let value = 0n;
    if (at.def !== undefined) {
      const full = at.def.read();
      value = size === 8 ? full : (full >> BigInt(32 * at.half)) & 0xffff_ffffn;
    }
    return note({ name: at.name, value }, at.note);
  }

  write(offset: number, value: bigint | number, size: number): RegAccess {
    const v = BigInt.asUintN(size * 8, BigInt(value));
    const at = this.locate(offset, size);
    let why = at.note;
    if (at.def !== undefined) {
      if (at.def.write === undefined) {
        why = 'read-only: the write is ignored';
      } else {
        const sh = BigInt(32 * at.half);
        const full = size === 8 ? v : (at.def.read() & ~(0xffff_ffffn << sh)) | (v << sh);
        why = at.def.write(full) ?? undefined;
      }
    }
    return note({ name: at.name, value: v }, why);
  }

  /** The register an access reaches, which half of it, or why none (then RAZ/WI). */
  private locate(offset: number, size: number): { def?: RegDef; half: number; name: string; note?: string } {
    if ((size !== 4 && size !== 8) || offset % size !== 0) {
      return { half: 0, name: 'illegal', note: `a ${size}-byte access at 0x${offset.toString(16)}: RAZ/WI${this.cite}` };
    }
    const d = this.defs.get(offset);
    if (d !== undefined && (size === 4 || d.bytes === 8)) return { def: d, half: 0, name: d.name };
    if (d !== undefined) return { half: 0, name: d.name, note: `a 64-bit access to a 32-bit register: RAZ/WI${this.cite}` };
    const lower = this.defs.get(offset - 4);
    if (lower !== undefined && lower.bytes === 8 && size === 4) return { def: lower, half: 1, name: lower.name };
    return { half: 0, name: 'RES0', note: `no register here: ${this.reserved}${this.cite}` };
  }
}

function note(a: RegAccess, why: string | undefined): RegAccess {
  if (why !== undefined) a.note = why;
  return a;
}
