// The MSI journey with its model from the store (a lazy chunk).
import MsiJourney from '../../views/msi-journey/MsiJourney';
import { useLab } from '../StoreContext';

export default function MsiJourneyPanel() {
  const vm = useLab((s) => s.view?.models.msi ?? null);
  return <MsiJourney vm={vm} />;
}
