import { describe, expect, it } from 'vitest';
import type { ModelMeta } from '../protocol/messages';
import { auditDefaults } from './auditDefaults';

const m = (id: string, kind: ModelMeta['kind'], createdAt: number, parentId: string | null = null): ModelMeta => ({
  id, name: id, kind, createdAt, inputSize: 32, layerName: 'cam_target', parentId, settings: null, target: null, curve: [], metrics: null,
});

describe('audit defaults', () => {
  it('the newest steered model, against the model it was steered from', () => {
    const models = [m('shipped-tiny', 'shipped', 0), m('a', 'steered', 10, 'shipped-tiny'), m('b', 'steered', 20, 'base-1'), m('base-1', 'baseline', 5)];
    expect(auditDefaults(models, 'shipped-tiny')).toEqual({ modelId: 'b', referenceId: 'base-1' });
  });

  it('no steered model yet: the base, with no reference', () => {
    expect(auditDefaults([m('shipped-tiny', 'shipped', 0), m('shipped-mobilenetv2', 'shipped', 0)], 'shipped-mobilenetv2')).toEqual({ modelId: 'shipped-mobilenetv2', referenceId: null });
  });

  it('a parent no longer in the library is no reference', () => {
    expect(auditDefaults([m('a', 'steered', 10, 'gone')], null)).toEqual({ modelId: 'a', referenceId: null });
  });

  it('an empty library: nothing chosen', () => {
    expect(auditDefaults([], null)).toEqual({ modelId: null, referenceId: null });
  });
});
