import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../core/config';
import { learningRateForBase, useStore } from './store';
import type { ModelMeta } from '../protocol/messages';

const meta = (id: string, learningRate?: number): ModelMeta => ({
  id, name: id, kind: 'shipped', createdAt: 0, inputSize: 192, layerName: 'out_relu', parentId: null, settings: null, target: null, curve: [], metrics: null,
  ...(learningRate ? { learningRate } : {}),
});

describe('learning rate follows the base model', () => {
  it("takes a base's recommended rate, and gives it back only when untouched", () => {
    const mnv2 = meta('mnv2', 3e-4);
    const tiny = meta('tiny');
    expect(learningRateForBase(2e-3, tiny, mnv2)).toBe(3e-4);
    expect(learningRateForBase(3e-4, mnv2, tiny)).toBe(DEFAULT_SETTINGS.learningRate);
    expect(learningRateForBase(1e-4, mnv2, tiny)).toBe(1e-4); // the user's own rate stays
    expect(learningRateForBase(5e-3, tiny, meta('other'))).toBe(5e-3);
    expect(learningRateForBase(5e-3, undefined, undefined)).toBe(5e-3);
  });

  it('is applied when the base is chosen or set', () => {
    useStore.setState({ models: [meta('mnv2', 3e-4), meta('tiny')], baseModelId: 'tiny', settings: { ...DEFAULT_SETTINGS } });
    useStore.getState().chooseBase('mnv2');
    expect(useStore.getState().settings.learningRate).toBe(3e-4);
    useStore.getState().setBaseModelId('tiny');
    expect(useStore.getState().settings.learningRate).toBe(DEFAULT_SETTINGS.learningRate);
    useStore.getState().updateSettings({ learningRate: 0.005 });
    useStore.getState().setBaseModelId(null);
    expect(useStore.getState().settings.learningRate).toBe(0.005);
  });
});
