// A PCI function's Requester ID and what the SMMU and the ITS call it on QEMU's virt board.
//
// RID = bus << 8 | device << 3 | function (PCI Express Base spec, "Requester ID"). On virt the
// firmware maps RIDs 1:1 both ways: QEMU's IORT (hw/arm/virt-acpi-build.c build_iort(): the root
// complex node's ID mappings to the SMMU and to the ITS group, output base = input base) and its
// device tree (iommu-map = <0 &smmu 0 0x10000>, msi-map = <0 &its 0 0x10000>). So the StreamID
// the SMMU sees and the DeviceID the ITS sees are both the RID (primer §5.1).

/** A PCI address as Linux prints it (dev_name of a PCI device: "%04x:%02x:%02x.%d", lower case):
 *  segment:bus:device.function, device 0x00-0x1f, function 0-7. */
export const PCI_BDF = /^[0-9a-f]{4}:[0-9a-f]{2}:[01][0-9a-f]\.[0-7]$/;

/** "0000:00:02.0" -> 0x0010. Throws on anything else. */
export function bdfToRid(bdf: string): number {
  const m = /^([0-9a-fA-F]{4}):([0-9a-fA-F]{2}):([0-9a-fA-F]{2})\.([0-7])$/.exec(bdf);
  if (m === null) throw new RangeError(`${JSON.stringify(bdf)} is not a PCI address (dddd:bb:dd.f)`);
  const dev = parseInt(m[3], 16);
  if (dev > 31) throw new RangeError(`${bdf}: device number ${dev} is above 31`);
  return (parseInt(m[2], 16) << 8) | (dev << 3) | Number(m[4]);
}
