import { client } from '../client/workerClient';
import { BACKEND_ORDER, type BackendChoice } from '../protocol/messages';
import { useStore, usePick } from '../state/store';

export function Header() {
  const { backend, backendChoice: choice, stage, stageMessage, running, view, setView } = usePick('backend', 'backendChoice', 'stage', 'stageMessage', 'running', 'view', 'setView');

  const change = (next: BackendChoice) => {
    const s = useStore.getState();
    s.setBackendChoice(next);
    client.start(next);
    client.resendImages();
  };

  const adapter =
    backend?.name === 'webgpu'
      ? backend.fallbackAdapter
        ? 'software adapter (fallback)'
        : 'hardware adapter'
      : backend?.adapter;

  return (
    <header className="header">
      <h1>
        CamSteer <span className="tagline">steer where an image-quality model looks</span>
      </h1>
      <nav className="tabs" role="tablist">
        <button role="tab" aria-selected={view === 'steer'} className={view === 'steer' ? 'on' : ''} onClick={() => setView('steer')} data-testid="tab-steer">
          Steer
        </button>
        <button role="tab" aria-selected={view === 'compare'} className={view === 'compare' ? 'on' : ''} onClick={() => setView('compare')} data-testid="tab-compare">
          Compare &amp; library
        </button>
        <button role="tab" aria-selected={view === 'audit'} className={view === 'audit' ? 'on' : ''} onClick={() => setView('audit')} data-testid="tab-audit">
          Audit
        </button>
      </nav>
      <div className="backend" title={backend?.reasons.join('\n') ?? ''}>
        <label>
          Backend{' '}
          <select data-testid="backend-select" value={choice} disabled={running} onChange={(e) => change(e.target.value as BackendChoice)}>
            <option value="auto">auto</option>
            {BACKEND_ORDER.map((b) => (
              <option key={b} value={b}>
                {b}
              </option>
            ))}
          </select>
        </label>
        <span className={`badge ${stage === 'ready' ? 'ok' : stage === 'failed' ? 'bad' : 'busy'}`} data-testid="backend-badge" data-backend={backend?.name ?? ''} data-fallback={String(backend?.fallbackAdapter ?? '')}>
          {backend ? `${backend.name} · ${adapter}` : stageMessage}
        </span>
        {backend?.name === 'webgpu' && backend.fallbackAdapter && (
          <span className="hint">
            This WebGPU adapter is software; wasm is usually faster here.{' '}
            <button className="small" disabled={running} onClick={() => change('wasm')} data-testid="switch-to-wasm">
              Switch to wasm
            </button>
          </span>
        )}
      </div>
    </header>
  );
}
