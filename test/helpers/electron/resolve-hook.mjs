// Module hook for the shell wiring test: `electron` resolves to the stand-in.
const standIn = new URL('./stand-in.ts', import.meta.url).href;

export async function resolve(specifier, context, nextResolve) {
  if (specifier === 'electron') return { url: standIn, shortCircuit: true };
  return nextResolve(specifier, context);
}
