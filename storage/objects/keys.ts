// The only place object keys are built or checked. Each feature adds its key builder here
// (receipts, renditions, vault deposits); a key never carries unchecked user input.
const SAFE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export function assertSafeKey(key: string): string {
  const parts = key.split('/');
  if (parts.some((p) => !SAFE.test(p))) throw new Error(`unsafe object key: ${JSON.stringify(key)}`);
  return key;
}
