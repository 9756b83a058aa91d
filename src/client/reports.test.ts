import { describe, expect, it } from 'vitest';
import type { ModelMeta } from '../protocol/messages';
import { metricsRows, toCsv } from './reports';

const model = (name: string, withMetrics: boolean): ModelMeta => ({
  id: name, name, kind: 'steered', createdAt: 0, inputSize: 32, layerName: 'cam_target', parentId: null, settings: null, target: null, curve: [],
  metrics: withMetrics
    ? { quality: { srcc: 0.9, plcc: 0.8, krcc: 0.7, n: 10 }, alignment: { gradcam: { energy: 0.6, chance: 0.25, pointing: 1, iou50: 0.5, meanIou: 0.4, auc: 0.8, images: 2 } }, basis: '' }
    : null,
});

describe('metrics export', () => {
  it('one row per model and CAM method, with empty cells where not measured', () => {
    const rows = metricsRows([model('a', true), model('b', false)]);
    expect(rows).toHaveLength(10);
    expect(rows[0]).toMatchObject({ model: 'a', method: 'GradCAM', srcc: 0.9, energy: 0.6, chance: 0.25 });
    expect(rows[1]).toMatchObject({ model: 'a', method: 'HiResCAM', srcc: 0.9, energy: null });
    expect(rows[5].srcc).toBeNull();
  });

  it('writes CSV with a header and quotes names with commas', () => {
    const csv = toCsv(metricsRows([model('steered, corners', true)]));
    const lines = csv.trim().split('\n');
    expect(lines[0]).toBe('model,kind,method,srcc,plcc,krcc,energy,chance,pointing,iou50,meanIou,auc');
    expect(lines[1]).toBe('"steered, corners",steered,GradCAM,0.9,0.8,0.7,0.6,0.25,1,0.5,0.4,0.8');
    expect(lines).toHaveLength(6);
  });
});
