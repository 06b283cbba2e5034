// The start page until the real app lands: the default cold nested walk, one row per memory read.
import { useMemo } from 'react';
import { defaultDemo, type DemoRow } from '../model/demo';
import { groupHex } from './hex';

// Who owns the structure read: the host (STE, stage 2) or the guest (CD, stage 1).
function owner(row: DemoRow): 'host' | 'guest' {
  return row.what === 'STE' || row.stage === 2 ? 'host' : 'guest';
}

export function App() {
  const demo = useMemo(defaultDemo, []);
  return (
    <main className="start">
      <header>
        <h1>{demo.title}</h1>
        {demo.summary && <p className="summary">{demo.summary}</p>}
        <p className="counts">
          walk reads: <strong data-testid="walk-reads">{demo.walkReads}</strong>
          <span aria-hidden="true"> · </span>
          all reads: <strong data-testid="all-reads">{demo.totalReads}</strong>
          <span className="legend">
            <span className="swatch guest" /> guest-owned <span className="swatch host" /> host-owned
          </span>
        </p>
      </header>
      <table className="trace">
        <thead>
          <tr>
            <th className="num">#</th>
            <th>what</th>
            <th className="num">stage</th>
            <th className="num">level</th>
            <th>purpose</th>
            <th>address (PA)</th>
            <th>value</th>
          </tr>
        </thead>
        <tbody>
          {demo.rows.length === 0 ? (
            <tr>
              <td colSpan={7} className="empty">No reads yet: the engine has not produced this walk.</td>
            </tr>
          ) : (
            demo.rows.map((row) => (
              <tr key={row.n} className={owner(row)}>
                <td className="num">{row.n}</td>
                <td>{row.what}</td>
                <td className="num">{row.stage ?? ''}</td>
                <td className="num">{row.level ?? ''}</td>
                <td className="purpose">{row.purpose}</td>
                <td>{groupHex(row.addr)}</td>
                <td>{groupHex(row.value)}</td>
              </tr>
            ))
          )}
        </tbody>
      </table>
    </main>
  );
}
