// The SMMU state with its model from the store (a lazy chunk).
import SmmuState from '../../views/smmu-state/SmmuState';
import { useLab } from '../StoreContext';

export default function SmmuStatePanel() {
  const vm = useLab((s) => s.view?.models.smmu ?? null);
  return <SmmuState vm={vm} />;
}
