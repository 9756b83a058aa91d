import { CompareView } from './CompareView';
import { LossChart } from './LossChart';
import { MaskStudioProvider } from './mask/MaskStudioProvider';
import { PhotoStrip } from './PhotoStrip';
import { SettingsPanel } from './SettingsPanel';
import { TargetPanel } from './TargetPanel';
import { TrainPanel } from './TrainPanel';
import { useBasePreview } from './useBasePreview';

/**
 * The Steer view: photos and the mask studio, the run and the large before/after images, the
 * settings. One mask studio serves the studio panel and the large before-image alike; the base
 * model's heatmap follows the photo, the base and the mask before anything trains.
 */
export function SteerView() {
  useBasePreview();
  return (
    <MaskStudioProvider>
      <main className="layout">
        <section className="col col-left">
          <PhotoStrip />
          <TargetPanel />
        </section>
        <section className="col col-mid">
          <TrainPanel />
          <CompareView />
          <div className="panel">
            <LossChart />
          </div>
        </section>
        <section className="col col-right">
          <SettingsPanel />
        </section>
      </main>
    </MaskStudioProvider>
  );
}
