// The page tables with their model from the store (a lazy chunk).
import PageTables from '../../views/page-tables/PageTables';
import { useLab } from '../StoreContext';

export default function PageTablesPanel() {
  const vm = useLab((s) => s.view?.models.tables ?? null);
  return <PageTables vm={vm} />;
}
