// The IOVA space with its model from the store (a lazy chunk).
import IovaSpace from '../../views/iova-space/IovaSpace';
import { useLab } from '../StoreContext';

export default function IovaSpacePanel() {
  const vm = useLab((s) => s.view?.models.iova ?? null);
  return <IovaSpace vm={vm} />;
}
