import { beforeAll, describe, expect, it } from 'vitest';
import { fromArtifacts, toArtifacts } from '../core/artifacts';
import { DEFAULT_SETTINGS } from '../core/config';
import { presetMask } from '../core/mask';
import { buildTinyModel } from '../core/model';
import { unzipModel } from '../core/modelZip';
import { useCpuBackend } from '../core/testUtil';
import type { ModelMeta } from '../protocol/messages';
import { describeModel } from './modelInfo';
import { exportZip, importedMeta } from './modelTransfer';

beforeAll(useCpuBackend);

/** Export a library model, import the file as the worker does: the library record comes back. */
async function roundTrip(meta: ModelMeta, metadata?: Record<string, unknown>): Promise<{ back: ModelMeta; fileName: string }> {
  const model = buildTinyModel(meta.inputSize, 3, { nonNegativeScore: true });
  const { fileName, data } = exportZip(meta, await toArtifacts(model, metadata));
  model.dispose();
  const artifacts = unzipModel(data);
  const loaded = await fromArtifacts(artifacts);
  const back = importedMeta(fileName, describeModel(loaded, artifacts), artifacts.userDefinedMetadata, 'm-new', 1234);
  loaded.dispose();
  return { back, fileName };
}

const steered: ModelMeta = {
  id: 'm-1', name: 'Steered · Raccoon · mask 25%', kind: 'steered', createdAt: 99, inputSize: 32, layerName: 'cam_target',
  grid: { h: 8, w: 8 }, camLayers: ['conv1', 'conv2', 'cam_target'], outputs: 1, outputIndex: 0, parentId: 'm-0',
  settings: { ...DEFAULT_SETTINGS, steerSteps: 30, lambda: 5, learningRate: 0.005 },
  target: { imageId: 'raccoon', mask: presetMask('corners'), area: 0.25 },
  curve: [{ phase: 'steering', step: 5, total: 30, task: 0.1, cam: 0.2, energy: 0.3 }],
  metrics: {
    quality: { srcc: 0.8123, plcc: 0.7, krcc: 0.6, n: 45 },
    alignment: { gradcam: { energy: 0.5, pointing: 1, iou50: 0.4, meanIou: 0.3, auc: 0.8, chance: 0.25, images: 2, exactFit: 0.9, bestCell: 0.7 } },
    basis: 'test-split photos',
  },
};

describe('model export then import', () => {
  it('keeps the name, kind, settings, metrics, curve and parent', async () => {
    const { back, fileName } = await roundTrip(steered);
    expect(fileName).toBe('Steered_Raccoon_mask_25_.zip');
    expect(back.name).toBe(steered.name);
    expect(back.kind).toBe('steered');
    expect(back.settings).toEqual(steered.settings);
    expect(back.metrics).toEqual(steered.metrics);
    expect(back.curve).toEqual(steered.curve);
    expect(back.parentId).toBe('m-0');
    expect(back.layerName).toBe('cam_target');
    expect(back.importedFrom).toBe(fileName);
    expect(back.id).toBe('m-new');
  });

  it("keeps the model's own CamSteer metadata (a shipped model's learning rate) beside the record", async () => {
    const shipped: ModelMeta = { ...steered, id: 'shipped-x', name: 'Shipped · x', kind: 'shipped', settings: null, metrics: null, curve: [], target: null, parentId: null };
    const { back } = await roundTrip(shipped, { camsteer: { fineTune: { learningRate: 3e-4 } } });
    expect(back.learningRate).toBe(3e-4);
    // a shipped model imported again is the user's copy: deletable
    expect(back.kind).toBe('imported');
    expect(back.name).toBe('Shipped · x');
  });

  it('a file without CamSteer metadata is named after the file and marked imported', async () => {
    const model = buildTinyModel(32, 3);
    const artifacts = await toArtifacts(model);
    model.dispose();
    const back = importedMeta('my-model.zip', describeModel(await fromArtifacts(artifacts), artifacts), artifacts.userDefinedMetadata, 'm-2', 5);
    expect(back).toMatchObject({ name: 'my-model', kind: 'imported', settings: null, metrics: null, curve: [], parentId: null });
  });

  it('drops metadata of the wrong shape instead of showing it', async () => {
    const model = buildTinyModel(32, 3);
    const artifacts = await toArtifacts(model, { camsteer: { name: 42, kind: 'shipped', settings: { lambda: 'lots', seed: 3 }, metrics: { quality: { srcc: '0.9' } }, curve: [{ step: 'x' }] } });
    model.dispose();
    const back = importedMeta('odd.zip', describeModel(await fromArtifacts(artifacts), artifacts), artifacts.userDefinedMetadata, 'm-3', 5);
    expect(back.name).toBe('odd');
    expect(back.kind).toBe('imported');
    expect(back.settings).toEqual({ ...DEFAULT_SETTINGS, seed: 3 });
    expect(back.metrics).toBeNull();
    expect(back.curve).toEqual([]);
  });
});
