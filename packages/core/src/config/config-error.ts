/** ConfigProblem is one thing wrong with the configuration. */
export interface ConfigProblem {
  /** Dotted path of the key ("client.poolSize"); absent when a whole file is unreadable. */
  readonly key?: string;
  /** The offending value, as given. */
  readonly value?: unknown;
  /** Environment variable the value came from. */
  readonly variable?: string;
  /** Config file the value came from. */
  readonly file?: string;
  /** 1-based line in that file, when known. */
  readonly line?: number;
  /** The full sentence, also found in the error's message. */
  readonly message: string;
}

/**
 * ConfigError says the configuration cannot be used. Its message names each
 * bad key, where it came from (variable, file and line, or code), the value
 * and what would have been accepted, one problem per line.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[], options?: { cause?: unknown }) {
    super(problems.map((p) => p.message).join('\n'), options);
    this.problems = problems;
  }

  /** key is the dotted path of the first problem, if it concerns one key. */
  get key(): string | undefined {
    return this.problems[0]?.key;
  }
}
