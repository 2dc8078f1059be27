import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  decodeTensorData,
  readSafetensorsFile,
  serializeSafetensors,
} from '../src/index.js';
import { useTempFolder } from './temp_folder.js';

/** Runs a Python script and returns its standard output. */
function runPython(script: string, ...args: string[]): string {
  const result = spawnSync('python3', ['-c', script, ...args], {
    encoding: 'utf8',
  });
  if (result.status !== 0) {
    throw new Error(`python3 failed: ${result.stderr}`);
  }
  return result.stdout;
}

const hasSafetensors =
  spawnSync('python3', ['-c', 'import safetensors.numpy'], { stdio: 'ignore' })
    .status === 0;

// Runs only where the Python `safetensors` and `numpy` packages are
// installed, and is skipped elsewhere.
// NOTE: these two tests have never run, because the development machine lacks
// Python `safetensors`. A failure here may be a bug in the test itself.
describe.skipIf(!hasSafetensors)('Python safetensors interop', () => {
  const folder = useTempFolder();

  it('reads a file Python wrote', async () => {
    const path = join(folder.path, 'python.safetensors');
    runPython(
      [
        'import sys, numpy as np',
        'from safetensors.numpy import save_file',
        'save_file({',
        "  'w': np.arange(6, dtype=np.float32).reshape(2, 3),",
        "  'h': np.array([1.5, -0.25, 65504], dtype=np.float16),",
        "  'n': np.array([-(2**40), 7], dtype=np.int64),",
        "}, sys.argv[1], metadata={'k': 'v'})",
      ].join('\n'),
      path,
    );
    const file = await readSafetensorsFile(path);
    const tensor = (name: string) => {
      const found = file.tensors.get(name);
      if (found === undefined) throw new Error(`tensor ${name} missing`);
      return found;
    };

    expect(file.metadata).toEqual({ k: 'v' });
    expect(tensor('w').shape).toEqual([2, 3]);
    expect(decodeTensorData(tensor('w'))).toEqual(
      new Float32Array([0, 1, 2, 3, 4, 5]),
    );
    expect(decodeTensorData(tensor('h'))).toEqual(
      new Float32Array([1.5, -0.25, 65504]),
    );
    expect(decodeTensorData(tensor('n'))).toEqual(
      new BigInt64Array([-(2n ** 40n), 7n]),
    );
  });

  it('writes a file Python reads', async () => {
    const path = join(folder.path, 'ours.safetensors');
    const bytes = serializeSafetensors(
      new Map([
        [
          'w',
          {
            dtype: 'F32',
            shape: [2, 2],
            data: new Float32Array([1, 2, 3, 4]),
          },
        ],
        ['b', { dtype: 'BOOL', shape: [2], data: new Uint8Array([1, 0]) }],
      ]),
      { metadata: { k: 'v' } },
    );
    await writeFile(path, bytes);
    const output = runPython(
      [
        'import sys, json',
        'from safetensors.numpy import load_file',
        'from safetensors import safe_open',
        'tensors = load_file(sys.argv[1])',
        "with safe_open(sys.argv[1], 'np') as f: metadata = f.metadata()",
        'print(json.dumps({',
        "  'w': tensors['w'].tolist(),",
        "  'b': tensors['b'].tolist(),",
        "  'metadata': metadata,",
        '}))',
      ].join('\n'),
      path,
    );

    expect(JSON.parse(output)).toEqual({
      w: [
        [1, 2],
        [3, 4],
      ],
      b: [true, false],
      metadata: { k: 'v' },
    });
  });
});
