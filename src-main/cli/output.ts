/** How a command reports: human text on a terminal, or one JSON document with --json. */
export interface Output {
  json: boolean;
  /** Prints `data` as JSON, or `human()` as text. */
  result(data: unknown, human: () => string): void;
  /** Progress and notes go to stderr, so stdout stays machine-readable. */
  note(message: string): void;
}

export function createOutput(json: boolean): Output {
  return {
    json,
    result(data, human) {
      process.stdout.write(json ? `${JSON.stringify(data, null, 2)}\n` : `${human()}\n`);
    },
    note(message) {
      if (!json) process.stderr.write(`${message}\n`);
    },
  };
}
