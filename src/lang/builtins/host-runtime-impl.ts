// What the host-side builtins need at run time from the heavy model (src/model/{host,vfio,iommufd,
// its,iommu,devices}/, ~440 KB of source): the only value imports of it. host-runtime.ts loads this
// module on demand, so the app's lab worker fetches it as a chunk of its own only when a program
// calls a host-side builtin; everything else in the builtins imports the host side as types.

export { HostSystem } from '../../model/host/system';
export { NotModelled } from '../../model/vfio/type1';
export { nestedState } from '../../model/vfio/nesting/smmu-domain';
