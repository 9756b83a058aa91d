import { useRef, useState } from 'react';
import { MAX_ZIP_BYTES } from '../core/limits';
import { client } from '../client/workerClient';
import type { ModelMeta } from '../protocol/messages';
import { useStore, usePick } from '../state/store';

const KIND_LABEL: Record<ModelMeta['kind'], string> = { baseline: 'baseline', steered: 'steered', shipped: 'shipped', imported: 'imported' };

/** When a model was made: shipped models come with the app (they carry no date of their own). */
export function madeWhen(m: Pick<ModelMeta, 'kind' | 'createdAt' | 'importedFrom'>): string {
  if (m.kind === 'shipped') return 'shipped with the app';
  const date = m.createdAt > 0 ? new Date(m.createdAt).toLocaleString() : 'date unknown';
  return m.importedFrom ? `imported ${date} from ${m.importedFrom}` : date;
}

function ModelRow({ m }: { m: ModelMeta }) {
  const compare = useStore((s) => s.compareModelIds.includes(m.id));
  const isBase = useStore((s) => s.baseModelId === m.id);
  const { running, toggleCompareModel: toggleCompare, chooseBase: setBase } = usePick('running', 'toggleCompareModel', 'chooseBase');
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState(m.name);
  const q = m.metrics?.quality;
  const commit = () => {
    setEditing(false);
    if (name.trim() && name !== m.name) client.renameModel(m.id, name.trim());
  };
  return (
    <li className="model-row" data-testid={`model-${m.id}`} data-kind={m.kind} data-name={m.name}>
      <input type="checkbox" checked={compare} onChange={() => toggleCompare(m.id)} title="Show in the compare grid" aria-label={`Compare ${m.name}`} data-testid="model-compare" />
      <div className="model-main">
        {editing ? (
          <input autoFocus value={name} onChange={(e) => setName(e.target.value)} onBlur={commit} onKeyDown={(e) => e.key === 'Enter' ? commit() : e.key === 'Escape' && setEditing(false)} data-testid="model-name-input" />
        ) : (
          <span className="model-name" onDoubleClick={() => setEditing(true)} title="Double-click to rename">
            {m.name}
          </span>
        )}
        <small className="muted" data-testid="model-info">
          {KIND_LABEL[m.kind]} · {m.inputSize === null ? `whole photo, ${m.workingSize ?? ''} px` : `${m.inputSize}px`} · <span data-testid="model-when">{madeWhen(m)}</span>
          {q && ` · SRCC ${q.srcc.toFixed(3)}`}
        </small>
      </div>
      {(m.kind === 'imported' || (m.outputs ?? 1) > 1) && (
        <div className="model-config">
          <label className="inline">
            explain layer{' '}
            <select value={m.layerName} disabled={running} onChange={(e) => client.configureModel(m.id, e.target.value, m.outputIndex ?? 0)} data-testid="model-layer">
              {(m.camLayers ?? [m.layerName]).map((l) => <option key={l}>{l}</option>)}
            </select>
          </label>
          {(m.outputs ?? 1) > 1 && (
            <label className="inline">
              output{' '}
              <input type="number" min={0} max={(m.outputs ?? 1) - 1} value={m.outputIndex ?? 0} disabled={running}
                onChange={(e) => client.configureModel(m.id, m.layerName, Math.max(0, Math.min((m.outputs ?? 1) - 1, e.target.valueAsNumber || 0)))} data-testid="model-output" />
            </label>
          )}
        </div>
      )}
      <div className="model-actions">
        <button className={`small ${isBase ? 'on' : ''}`} disabled={running} onClick={() => setBase(isBase ? null : m.id)} title="Steer starting from this model" data-testid="model-base">
          {isBase ? 'Base ✓' : 'Use as base'}
        </button>
        <button className="small" onClick={() => setEditing(true)} data-testid="model-rename">Rename</button>
        <button className="small" onClick={() => client.duplicateModel(m.id)} data-testid="model-duplicate">Duplicate</button>
        <button className="small" onClick={() => client.exportModel(m.id)} data-testid="model-export">Export</button>
        <button className="small danger" disabled={running || m.kind === 'shipped'} title={m.kind === 'shipped' ? 'Shipped models come with the app' : undefined} onClick={() => confirm(`Delete "${m.name}"? This cannot be undone.`) && client.deleteModel(m.id)} data-testid="model-delete">
          Delete
        </button>
      </div>
    </li>
  );
}

export function LibraryPanel() {
  const { models, storage, baseModelId } = usePick('models', 'storage', 'baseModelId');
  const input = useRef<HTMLInputElement>(null);
  return (
    <div className="panel" data-testid="library">
      <div className="panel-head">
        <h2>Model library</h2>
        <button className="small" onClick={() => input.current?.click()} data-testid="import-button">Import…</button>
        <input ref={input} type="file" accept=".zip,application/zip" hidden data-testid="import-input" onChange={(e) => {
          const f = e.target.files?.[0];
          e.target.value = '';
          if (!f) return;
          const fail = (message: string) => useStore.getState().setError({ code: 'import', message: `This model cannot be imported: ${message}` });
          // the limit is checked before the file is read into memory
          if (f.size > MAX_ZIP_BYTES) return fail(`the file is ${(f.size / 1e6).toFixed(0)} MB; the limit is ${MAX_ZIP_BYTES / 1e6} MB.`);
          client.importModel(f).catch((err: Error) => fail(`the file could not be read (${err.message}).`));
        }} />
      </div>
      {storage && <p className={`muted ${storage.persistent ? '' : 'warn'}`}>{storage.message}</p>}
      <p className="muted">{baseModelId ? 'Steering starts from the model marked Base.' : 'No base chosen: Fine-tune trains a new baseline first.'}</p>
      <ul className="model-list">
        {models.map((m) => (
          <ModelRow key={m.id} m={m} />
        ))}
      </ul>
      {!models.length && <p className="muted">No models yet. Fine-tune one, or import a tfjs LayersModel (.zip of model.json + weights).</p>}
    </div>
  );
}
