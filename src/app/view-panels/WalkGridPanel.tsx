// The walk grid with its model from the store (a lazy chunk: d3 stays out of the first load).
import WalkGrid from '../../views/walk-grid/WalkGrid';
import { useLab } from '../StoreContext';

export default function WalkGridPanel() {
  const vm = useLab((s) => s.view?.models.walk ?? null);
  return <WalkGrid vm={vm} />;
}
