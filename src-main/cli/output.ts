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

export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}
