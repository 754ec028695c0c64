// The plugin registry: plugins are found by name; names are unique and well-formed; an unknown
// name's error lists what is registered.
import { describe, expect, test } from 'vitest';
import { Registry, type Plugin } from './registry.js';

interface Thing extends Plugin {
  readonly value: number;
}

const thing = (name: string, value = 0): Thing => ({ name, description: `the ${name} thing`, value });

describe('Registry', () => {
  test('register returns the plugin; get, has, names and list find it', () => {
    const r = new Registry<Thing>('thing');
    const b = thing('beta', 2);
    const a = thing('alpha', 1);
    expect(r.register(b)).toBe(b);
    r.register(a);
    expect(r.get('alpha')).toBe(a);
    expect(r.get('beta')).toBe(b);
    expect(r.has('alpha')).toBe(true);
    expect(r.has('gamma')).toBe(false);
    expect(r.names()).toEqual(['alpha', 'beta']);
    expect(r.list()).toEqual([a, b]);
    expect(r.kind).toBe('thing');
  });

  test('an empty registry has no names', () => {
    const r = new Registry<Thing>('thing');
    expect(r.names()).toEqual([]);
    expect(r.list()).toEqual([]);
    expect(r.has('anything')).toBe(false);
  });

  test('a different plugin under a taken name is refused, naming the name and the way out', () => {
    const r = new Registry<Thing>('attack');
    const first = r.register(thing('flip', 1));
    expect(() => r.register(thing('flip', 2))).toThrow(/attack named "flip" is already registered.*replace: true/);
    expect(r.get('flip')).toBe(first);
  });

  test('re-registering the very same object is a no-op', () => {
    const r = new Registry<Thing>('thing');
    const t = thing('same');
    r.register(t);
    expect(r.register(t)).toBe(t);
    expect(r.names()).toEqual(['same']);
  });

  test('{ replace: true } swaps the plugin in', () => {
    const r = new Registry<Thing>('thing');
    r.register(thing('flip', 1));
    const replacement = thing('flip', 2);
    expect(r.register(replacement, { replace: true })).toBe(replacement);
    expect(r.get('flip')).toBe(replacement);
    expect(r.names()).toEqual(['flip']);
  });

  test.each(['', 'Flip', 'flip_label', '1flip', '-flip', 'flip label', 'flip!', 'flïp'])('invalid name %j is refused, naming the rule', (name) => {
    const r = new Registry<Thing>('NAS algorithm');
    expect(() => r.register(thing(name))).toThrow(`NAS algorithm name ${JSON.stringify(name)} is invalid`);
    expect(() => r.register(thing(name))).toThrow(/lower-case letters, digits and dashes, starting with a letter/);
    expect(r.has(name)).toBe(false);
  });

  test.each(['a', 'pdarts', 'random-label-flip', 'gc2', 'x-1-y'])('valid name %j is accepted', (name) => {
    const r = new Registry<Thing>('thing');
    r.register(thing(name));
    expect(r.has(name)).toBe(true);
  });

  test('an unknown name is an error naming it and the registered ones', () => {
    const r = new Registry<Thing>('attack');
    expect(() => r.get('nope')).toThrow('unknown attack "nope"; registered: (none)');
    r.register(thing('zeta'));
    r.register(thing('alpha'));
    expect(() => r.get('nope')).toThrow('unknown attack "nope"; registered: alpha, zeta');
  });
});
