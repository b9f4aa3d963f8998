/** Where the engine reports what a user or developer may want to know; the doors decide where it goes. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
}

export const stderrLogger: Logger = {
  info: (message) => process.stderr.write(`ferret: ${message}\n`),
  warn: (message) => process.stderr.write(`ferret: warning: ${message}\n`),
};

export const silentLogger: Logger = { info: () => {}, warn: () => {} };
