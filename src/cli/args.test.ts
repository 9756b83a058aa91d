import { describe, expect, it } from 'vitest';
import { commandHelp, parseArgs, type CommandSpec } from './args';
import { UsageError } from './io';

const spec: CommandSpec = {
  name: 'demo',
  summary: 'A demo.',
  usage: 'demo --n N [FILE...]',
  positionals: { meta: 'FILE...', help: 'files', min: 0, max: 2 },
  flags: [
    { name: 'n', type: 'int', min: 1, max: 10, required: true, help: 'count' },
    { name: 'x', type: 'number', help: 'a number' },
    { name: 'mode', type: 'string', choices: ['a', 'b'], help: 'mode' },
    { name: 'json', type: 'boolean', help: 'json' },
  ],
};

describe('parseArgs', () => {
  it('reads --flag value, --flag=value, booleans, negative numbers and positionals', () => {
    const a = parseArgs(spec, ['--n', '3', '--x=-0.5', '--mode', 'b', '--json', 'f1', '--', '--f2']);
    expect(a.number('n')).toBe(3);
    expect(a.number('x')).toBe(-0.5);
    expect(a.string('mode')).toBe('b');
    expect(a.bool('json')).toBe(true);
    expect(a.positionals).toEqual(['f1', '--f2']);
    expect(parseArgs(spec, ['--n', '2', '--x', '-3']).number('x')).toBe(-3);
  });

  it('rejects what is not in the spec with a UsageError', () => {
    const bad: [string[], RegExp][] = [
      [['--n', '0'], /between 1 and 10/],
      [['--n', '2.5'], /needs an integer/],
      [['--n'], /needs a value/],
      [['--n', '2', '--n', '3'], /given twice/],
      [['--n', '2', '--mode', 'c'], /one of a, b/],
      [['--n', '2', '--what'], /unknown option --what/],
      [['--n', '2', '-q'], /unknown option -q/],
      [['a'], /--n is required/],
      [['--n', '2', 'a', 'b', 'c'], /too many arguments/],
      [['--n', '2', '--json=yes'], /takes no value/],
    ];
    for (const [argv, msg] of bad) expect(() => parseArgs(spec, argv), argv.join(' ')).toThrow(msg);
    expect(() => parseArgs(spec, ['--what'])).toThrow(UsageError);
  });

  it('accepts --help without required flags, and the help lists every flag', () => {
    expect(parseArgs(spec, ['--help']).help).toBe(true);
    const h = commandHelp(spec);
    for (const f of ['--n', '--x', '--mode', '--json', '-h, --help']) expect(h).toContain(f);
  });

  it('quotes the command line it was given', () => {
    expect(parseArgs(spec, ['--n', '2', "it's here"]).commandLine()).toBe(`camsteer demo --n 2 'it'\\''s here'`);
  });
});
