// The right side: the views' tabs, the main view (and optionally a second one below it), and the
// narration of the current step in an aria-live region. Each view is a lazy chunk (its d3 code
// stays out of the initial JS); a view whose module is not there shows a placeholder.

import { Suspense, lazy, useMemo, type ComponentType, type LazyExoticComponent } from 'react';
import { Group, Panel, Separator } from 'react-resizable-panels';
import { useLab } from './StoreContext';
import { narrate } from './narrate';
import { VIEW_LOADERS } from './view-loaders';
import { VIEW_SPECS, viewSpec, type ViewId } from './views';

const lazyViews = new Map<ViewId, LazyExoticComponent<ComponentType>>();
function viewComponent(id: ViewId): LazyExoticComponent<ComponentType> | null {
  const load = VIEW_LOADERS[id];
  if (!load) return null;
  let c = lazyViews.get(id);
  if (!c) { c = lazy(load); lazyViews.set(id, c); }
  return c;
}

export function ViewHost({ id }: { id: ViewId }) {
  const spec = viewSpec(id);
  const View = viewComponent(id);
  return (
    <section className="view-host" aria-label={spec.title} data-view={id}>
      {View === null ? (
        <div className="placeholder"><p><b>{spec.title}</b>: not built yet.</p><p className="muted">{spec.about}.</p></div>
      ) : (
        <Suspense fallback={<div className="placeholder muted">Loading {spec.title}…</div>}>
          <View />
        </Suspense>
      )}
    </section>
  );
}

function Tabs({ embed }: { embed: boolean }) {
  const openViews = useLab((s) => s.openViews);
  const mainView = useLab((s) => s.mainView);
  const secondView = useLab((s) => s.secondView);
  const showView = useLab((s) => s.showView);
  const closeView = useLab((s) => s.closeView);
  const setSecondView = useLab((s) => s.setSecondView);
  const closed = VIEW_SPECS.filter((v) => !openViews.includes(v.id));
  return (
    <div className="tabs">
      <div role="tablist" aria-label="Views">
        {openViews.map((id, i) => {
          const spec = viewSpec(id);
          return (
            <span key={id} className={`tab${id === mainView ? ' active' : ''}${id === secondView ? ' second' : ''}`}>
              <button
                type="button" role="tab" aria-selected={id === mainView} title={`${spec.about} (${i + 1})`}
                onClick={() => showView(id)}
              >
                {spec.title}
              </button>
              {!embed && openViews.length > 1 && (
                <button type="button" className="close" aria-label={`Close ${spec.title}`} title={`Close ${spec.title}`} onClick={() => closeView(id)}>×</button>
              )}
            </span>
          );
        })}
      </div>
      {!embed && (
        <div className="tab-tools">
          {closed.length > 0 && (
            <select aria-label="Open a view" value="" onChange={(e) => showView(e.target.value as ViewId)}>
              <option value="">+ view</option>
              {closed.map((v) => <option key={v.id} value={v.id}>{v.title}</option>)}
            </select>
          )}
          <select
            aria-label="Second view below the main one" title="A second view below the main one"
            value={secondView ?? ''} onChange={(e) => setSecondView(e.target.value === '' ? null : (e.target.value as ViewId))}
          >
            <option value="">one view</option>
            {VIEW_SPECS.filter((v) => v.id !== mainView).map((v) => <option key={v.id} value={v.id}>+ {v.title} below</option>)}
          </select>
        </div>
      )}
    </div>
  );
}

export function Narration() {
  const view = useLab((s) => s.view);
  const text = useMemo(() => (view ? narrate(view) : ''), [view]);
  return (
    <p className="narration" aria-live="polite" data-testid="narration">
      {text || 'Open a lesson or write a program: F10 steps over a line, F11 steps into a DMA\'s walk.'}
    </p>
  );
}

export function ViewsPane({ embed = false }: { embed?: boolean }) {
  const mainView = useLab((s) => s.mainView);
  const secondView = useLab((s) => s.secondView);
  return (
    <section className="views-pane" aria-label="Views" tabIndex={-1} id="views">
      <Tabs embed={embed} />
      <div className="views-body">
        {secondView === null ? (
          <ViewHost id={mainView} />
        ) : (
          <Group orientation="vertical" id="views-split">
            <Panel id="main-view" defaultSize="62%" minSize="20%"><ViewHost id={mainView} /></Panel>
            <Separator className="separator horizontal" />
            <Panel id="second-view" minSize="15%"><ViewHost id={secondView} /></Panel>
          </Group>
        )}
      </div>
      <Narration />
    </section>
  );
}
