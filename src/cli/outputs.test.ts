import { describe, expect, it } from 'vitest';
import { UsageError } from './io';
import { checkNotInput } from './outputs';

const clashes = (out: string, kind: 'dir' | 'file', path: string, wholeDir = false) => {
  try {
    checkNotInput(out, kind, [{ label: '--x', path, wholeDir }]);
    return false;
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return true;
  }
};

describe('checkNotInput', () => {
  it('an output directory may neither be nor contain an input', () => {
    expect(clashes('/a/out', 'dir', '/a/out')).toBe(true);
    expect(clashes('/a', 'dir', '/a/photos/x.png')).toBe(true);
    expect(clashes('/a', 'dir', '/a/..hidden')).toBe(true); // a name starting with two dots is inside
    expect(clashes('/a/out', 'dir', '/a')).toBe(false); // inside an input directory is fine
    expect(clashes('/a/out', 'dir', '/a/out2')).toBe(false);
    expect(clashes('/a/b', 'dir', '/a/b..x')).toBe(false);
  });

  it('an output file may not be an input, nor lie inside an input model directory', () => {
    expect(clashes('/a/p.png', 'file', '/a/p.png')).toBe(true);
    expect(clashes('/m/model.json', 'file', '/m', true)).toBe(true);
    expect(clashes('/d/report.json', 'file', '/d')).toBe(false);
    expect(clashes('/d/report.json', 'file', '/d/scores.csv')).toBe(false);
  });

  it('skips inputs that are not given', () => {
    expect(() => checkNotInput('/a', 'dir', [{ label: '--images', path: undefined }])).not.toThrow();
  });
});
