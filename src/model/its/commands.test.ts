// ITS commands: the encoder against hand-computed words (field positions from Linux
// irq-gic-v3-its.c its_encode_*: Opcode raw_cmd[0][7:0], DeviceID [0][63:32], EventID [1][31:0],
// pINTID [1][63:32], Size [1][4:0], ITT_addr [2][51:8], V [2][63], RDbase [2][51:16], ICID
// [2][15:0]; MOVALL's RDbase2 [3][51:16] from QEMU FIELD(MOVALL_3, RDBASE2, 16, 36)), opcodes
// (Linux GITS_CMD_*), and the command error codes (Linux E_ITS_*).

import { describe, expect, it } from 'vitest';
import {
  CMD_DeviceID, CMD_EventID, CMD_ICID, CMD_ITT_addr, CMD_pINTID, CMD_RDbase, CMD_RDbase2, CMD_Size, CMD_V,
  encodeItsCmd, ITS_CMD, itsCmdName, itsError, type ItsCmdSpec,
} from './commands';

describe('encodeItsCmd: the four words', () => {
  const cases: [string, ItsCmdSpec, [bigint, bigint, bigint, bigint]][] = [
    // Linux its_build_mapd_cmd for a device with nr_ites = 32: Size = ilog2(32) - 1 = 4;
    // ITT_addr [51:8] holds the address's own bits; V [63]
    ['MAPD', { op: 'MAPD', deviceId: 0x10, size: 4, itt: 0x4010_0100, valid: true },
      [0x0000_0010_0000_0008n, 0x4n, 0x8000_0000_4010_0100n, 0n]],
    ['MAPD V = 0 (unmap)', { op: 'MAPD', deviceId: 0x10 }, [0x0000_0010_0000_0008n, 0n, 0n, 0n]],
    ['MAPD, the highest ITT address', { op: 'MAPD', itt: 0xf_ffff_ffff_ff00n, size: 31 }, [0x8n, 0x1fn, 0x000f_ffff_ffff_ff00n, 0n]],
    // its_build_mapc_cmd: ICID [15:0], target >> 16 at [51:16] (PTA = 0: the processor number)
    ['MAPC', { op: 'MAPC', icid: 3, rdbase: 2, valid: 1 }, [0x9n, 0n, 0x8000_0000_0002_0003n, 0n]],
    // its_build_mapti_cmd: pINTID [1][63:32]
    ['MAPTI', { op: 'MAPTI', deviceId: 0x10, eventId: 5, intid: 0x2005, icid: 3 },
      [0x0000_0010_0000_000an, 0x0000_2005_0000_0005n, 0x3n, 0n]],
    ['MAPI, every field at its maximum', { op: 'MAPI', deviceId: 0xffff_ffff, eventId: 0xffff_ffff, icid: 0xffff },
      [0xffff_ffff_0000_000bn, 0xffff_ffffn, 0xffffn, 0n]],
    ['MOVI', { op: 'MOVI', deviceId: 1, eventId: 2, icid: 7 }, [0x0000_0001_0000_0001n, 0x2n, 0x7n, 0n]],
    ['INT', { op: 'INT', deviceId: 0x10, eventId: 5 }, [0x0000_0010_0000_0003n, 0x5n, 0n, 0n]],
    ['CLEAR', { op: 'CLEAR', deviceId: 0x10, eventId: 5 }, [0x0000_0010_0000_0004n, 0x5n, 0n, 0n]],
    ['DISCARD', { op: 'DISCARD', deviceId: 0x10, eventId: 5 }, [0x0000_0010_0000_000fn, 0x5n, 0n, 0n]],
    ['INV', { op: 'INV', deviceId: 0x10, eventId: 5 }, [0x0000_0010_0000_000cn, 0x5n, 0n, 0n]],
    ['INVALL', { op: 'INVALL', icid: 3 }, [0xdn, 0n, 0x3n, 0n]],
    // Linux its_build_sync_cmd: its_encode_target(sync_col->target_address)
    ['SYNC', { op: 'SYNC', rdbase: 1 }, [0x5n, 0n, 0x1_0000n, 0n]],
    ['MOVALL', { op: 'MOVALL', rdbase: 1, rdbase2: 2 }, [0xen, 0n, 0x1_0000n, 0x2_0000n]],
  ];
  it.each(cases)('%s', (_, spec, words) => {
    expect(encodeItsCmd(spec)).toEqual(words);
  });

  it('decoders read back what the encoder wrote', () => {
    const mapd = encodeItsCmd({ op: 'MAPD', deviceId: 0xffff_ffff, size: 31, itt: 0xf_ffff_ffff_ff00n, valid: true });
    expect([CMD_DeviceID(mapd), CMD_Size(mapd), CMD_ITT_addr(mapd), CMD_V(mapd)]).toEqual([0xffff_ffff, 31, 0xf_ffff_ffff_ff00, 1]);
    const mapti = encodeItsCmd({ op: 'MAPTI', deviceId: 7, eventId: 0xffff_ffff, intid: 0xffff_ffff, icid: 0xffff });
    expect([CMD_DeviceID(mapti), CMD_EventID(mapti), CMD_pINTID(mapti), CMD_ICID(mapti)]).toEqual([7, 0xffff_ffff, 0xffff_ffff, 0xffff]);
    const movall = encodeItsCmd({ op: 'MOVALL', rdbase: 0xf_ffff_ffff, rdbase2: 0xf_ffff_ffff });
    expect([CMD_RDbase(movall), CMD_RDbase2(movall)]).toEqual([0xf_ffff_ffff, 0xf_ffff_ffff]);
  });

  it('refuses fields a command does not have, values that do not fit, unaligned ITTs', () => {
    expect(() => encodeItsCmd({ op: 'MAPI', intid: 8192 })).toThrow(/MAPI has no pINTID/);
    expect(() => encodeItsCmd({ op: 'INT', icid: 1 })).toThrow(/no ICID/);
    expect(() => encodeItsCmd({ op: 'MAPD', size: 32 })).toThrow(/does not fit bits \[4:0\]/);
    expect(() => encodeItsCmd({ op: 'MAPC', icid: 0x1_0000 })).toThrow(/does not fit/);
    expect(() => encodeItsCmd({ op: 'MAPD', itt: 0x4010_0080 })).toThrow(/not 256-byte aligned/);
    expect(() => encodeItsCmd({ op: 'MAPD', itt: 0x10_0000_0000_0000n })).toThrow(/does not fit bits \[51:8\]/);
  });
});

describe('opcodes and names', () => {
  it('are Linux GITS_CMD_*', () => {
    expect(ITS_CMD).toEqual({
      MOVI: 0x01, INT: 0x03, CLEAR: 0x04, SYNC: 0x05, MAPD: 0x08, MAPC: 0x09, MAPTI: 0x0a, MAPI: 0x0b,
      INV: 0x0c, INVALL: 0x0d, MOVALL: 0x0e, DISCARD: 0x0f,
    });
  });

  it('names GICv4 commands (GITS_CMD_GICv4(x) = x | 0x20) and reserved opcodes', () => {
    expect(itsCmdName(0x29)).toBe('VMAPP');          // GITS_CMD_GICv4(GITS_CMD_MAPC)
    expect(itsCmdName(0x2a)).toBe('VMAPTI');
    expect(itsCmdName(0x22)).toBe('VMOVP');          // GITS_CMD_GICv4(2)
    expect(itsCmdName(0x00)).toBe('Reserved_0x00');
    expect(itsCmdName(0x02)).toBe('Reserved_0x02');
  });
});

describe('command errors: 0x01_CC_EE', () => {
  it("match every code in Linux's E_ITS_* list", () => {
    const linux: [Parameters<typeof itsError>, string, number][] = [
      [['MOVI', 'UNMAPPED_INTERRUPT'], 'E_ITS_MOVI_UNMAPPED_INTERRUPT', 0x010107],
      [['MOVI', 'UNMAPPED_COLLECTION'], 'E_ITS_MOVI_UNMAPPED_COLLECTION', 0x010109],
      [['INT', 'UNMAPPED_INTERRUPT'], 'E_ITS_INT_UNMAPPED_INTERRUPT', 0x010307],
      [['CLEAR', 'UNMAPPED_INTERRUPT'], 'E_ITS_CLEAR_UNMAPPED_INTERRUPT', 0x010507],
      [['MAPD', 'DEVICE_OOR'], 'E_ITS_MAPD_DEVICE_OOR', 0x010801],
      [['MAPD', 'ITTSIZE_OOR'], 'E_ITS_MAPD_ITTSIZE_OOR', 0x010802],
      [['MAPC', 'PROCNUM_OOR'], 'E_ITS_MAPC_PROCNUM_OOR', 0x010902],
      [['MAPC', 'COLLECTION_OOR'], 'E_ITS_MAPC_COLLECTION_OOR', 0x010903],
      [['MAPTI', 'UNMAPPED_DEVICE'], 'E_ITS_MAPTI_UNMAPPED_DEVICE', 0x010a04],
      [['MAPTI', 'ID_OOR'], 'E_ITS_MAPTI_ID_OOR', 0x010a05],
      [['MAPTI', 'PHYSICALID_OOR'], 'E_ITS_MAPTI_PHYSICALID_OOR', 0x010a06],
      [['INV', 'UNMAPPED_INTERRUPT'], 'E_ITS_INV_UNMAPPED_INTERRUPT', 0x010c07],
      [['INVALL', 'UNMAPPED_COLLECTION'], 'E_ITS_INVALL_UNMAPPED_COLLECTION', 0x010d09],
      [['MOVALL', 'PROCNUM_OOR'], 'E_ITS_MOVALL_PROCNUM_OOR', 0x010e01],
      [['DISCARD', 'UNMAPPED_INTERRUPT'], 'E_ITS_DISCARD_UNMAPPED_INTERRUPT', 0x010f07],
    ];
    for (const [args, error, code] of linux) expect(itsError(...args)).toEqual({ error, code });
  });

  it("match the GIC-600AE TRM's codes for incoming translations (INT) and MAPI", () => {
    expect(itsError('INT', 'DEVICE_OOR').code).toBe(0x10301);
    expect(itsError('INT', 'UNMAPPED_DEVICE').code).toBe(0x10304);
    expect(itsError('INT', 'ID_OOR').code).toBe(0x10305);
    expect(itsError('MAPI', 'COLLECTION_OOR').code).toBe(0x10b03);
    expect(itsError('MOVI', 'UNMAPPED_DEVICE').code).toBe(0x10104);
    // CLEAR is opcode 0x04, but its errors are 0x0105EE
    expect(itsError('CLEAR', 'DEVICE_OOR').code).toBe(0x10501);
    expect(itsError('CLEAR', 'ID_OOR').code).toBe(0x10505);
  });
});
