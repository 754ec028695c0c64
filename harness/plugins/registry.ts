/**
 * A registry of named plugins: NAS algorithms, attacks and defences are all found by name through
 * one of these, and the built-in ones register exactly as a user's own plugin does.
 */

/** What every plugin has. */
export interface Plugin {
  /** Registry name, e.g. `pdarts`, `random-label-flip` (lower-case, digits, dashes). */
  readonly name: string;
  /** One line for `--help`, reports and error messages. */
  readonly description: string;
}

const NAME_PATTERN = /^[a-z][a-z0-9-]*$/;

export class Registry<T extends Plugin> {
  private readonly entries = new Map<string, T>();

  /** @param kind what the registry holds, for messages ("NAS algorithm", "attack", "defence"). */
  constructor(readonly kind: string) {}

  /**
   * Adds a plugin. Names are unique: registering a different plugin under a taken name throws
   * unless `replace` is set (re-registering the same object is a no-op).
   */
  register(plugin: T, options: { replace?: boolean } = {}): T {
    if (!NAME_PATTERN.test(plugin.name)) {
      throw new Error(`${this.kind} name "${plugin.name}" is invalid: use lower-case letters, digits and dashes, starting with a letter`);
    }
    const existing = this.entries.get(plugin.name);
    if (existing && existing !== plugin && !options.replace) {
      throw new Error(`a ${this.kind} named "${plugin.name}" is already registered; pass { replace: true } to override it`);
    }
    this.entries.set(plugin.name, plugin);
    return plugin;
  }

  /** The plugin of that name; throws naming the unknown name and the known ones. */
  get(name: string): T {
    const plugin = this.entries.get(name);
    if (!plugin) {
      throw new Error(`unknown ${this.kind} "${name}"; registered: ${this.names().join(', ') || '(none)'}`);
    }
    return plugin;
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  names(): string[] {
    return [...this.entries.keys()].sort();
  }

  list(): T[] {
    return this.names().map((n) => this.entries.get(n)!);
  }
}
