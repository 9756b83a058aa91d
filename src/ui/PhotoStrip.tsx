import { useRef } from 'react';
import { client } from '../client/workerClient';
import { MAX_PHOTOS, photoFromFile } from '../client/photos';
import { useStore, usePick } from '../state/store';

export function PhotoStrip() {
  const { photos, selectedId, select, running } = usePick('photos', 'selectedId', 'select', 'running');
  const perImage = useStore((s) => s.maskScope === 'perImage');
  const imageMasks = useStore((s) => s.imageMasks);
  const input = useRef<HTMLInputElement>(null);

  const upload = async (files: FileList | null) => {
    if (!files?.length) return;
    const s = useStore.getState();
    const added = [];
    const problems: string[] = [];
    const room = Math.max(0, MAX_PHOTOS - s.photos.length);
    const list = Array.from(files);
    if (list.length > room) problems.push(`${list.length - room} of ${list.length} files were not added: the library holds at most ${MAX_PHOTOS} photos.`);
    for (const f of list.slice(0, room)) {
      try {
        added.push(await photoFromFile(f));
      } catch (e) {
        problems.push((e as Error).message);
      }
    }
    if (problems.length) s.setError({ code: 'input', message: problems.join(' ') });
    if (input.current) input.current.value = '';
    if (added.length) {
      s.addPhotos(added);
      await client.setImages(useStore.getState().photos).catch((e: Error) => s.setError({ code: 'input', message: `The photos could not be sent to the worker: ${e.message}` }));
    }
  };

  return (
    <div className="panel">
      <div className="panel-head">
        <h2>Photos</h2>
        <button className="small" disabled={running} onClick={() => input.current?.click()} data-testid="upload-button">
          Upload…
        </button>
        <input ref={input} type="file" accept="image/*" multiple hidden data-testid="upload-input" onChange={(e) => void upload(e.target.files)} />
      </div>
      <div className="photo-grid" role="listbox" aria-label="Photos">
        {photos.map((p) => (
          <button
            key={p.id}
            role="option"
            aria-selected={p.id === selectedId}
            className={`thumb ${p.id === selectedId ? 'selected' : ''}`}
            title={`${p.name}${p.credit ? ` — ${p.credit}` : ''}`}
            onClick={() => select(p.id)}
            disabled={running}
            data-testid={`photo-${p.id}`}
          >
            <img src={p.url} alt={p.name} loading="lazy" />
            {perImage && imageMasks[p.id] && <span className="has-mask" title="Has its own mask" data-testid={`has-mask-${p.id}`} />}
          </button>
        ))}
        {photos.length === 0 && <p className="muted">Loading the bundled photos…</p>}
      </div>
    </div>
  );
}
