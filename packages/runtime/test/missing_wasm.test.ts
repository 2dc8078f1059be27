import { describe, expect, it } from 'vitest';
import { initBackend, RuntimeError } from '../src/index.js';

// Vitest runs each test file in its own process, so this failed start does
// not affect the backend of other test files.
describe('initBackend without a WASM binary', () => {
  it('names the missing file and the fix', async () => {
    const attempt = initBackend({ wasmPaths: '/nonexistent-wasm-folder/' });

    await expect(attempt).rejects.toBeInstanceOf(RuntimeError);
    await expect(attempt).rejects.toThrow(
      /WASM backend failed to start.*reinstall @tensorflow\/tfjs-backend-wasm.*nonexistent-wasm-folder\/tfjs-backend-wasm-simd\.wasm/s,
    );
  });
});
