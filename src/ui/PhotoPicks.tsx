import { useStore, usePick } from '../state/store';

/**
 * The photos to tick for the compare grid and the audit, each with its name. One selection: the
 * compare grid and the audit share it (`note` says so where it matters).
 */
export function PhotoPicks({ testIdPrefix, label, note }: { testIdPrefix: string; label: string; note?: string }) {
  const { photos, compareImageIds: ticked } = usePick('photos', 'compareImageIds');
  const toggle = useStore((s) => s.toggleCompareImage);
  return (
    <div className="photo-picks">
      {note && <p className="muted" data-testid={`${testIdPrefix}photos-note`}>{note}</p>}
      <div className="image-picks" role="group" aria-label={label}>
        {photos.map((p) => (
          <label key={p.id} className={`pick ${ticked.includes(p.id) ? 'on' : ''}`} title={p.name}>
            <input type="checkbox" checked={ticked.includes(p.id)} onChange={() => toggle(p.id)} data-testid={`${testIdPrefix}image-${p.id}`} />
            <img src={p.url} alt="" />
            <span className="pick-name">{p.name}</span>
          </label>
        ))}
      </div>
    </div>
  );
}
