// Writes the JSON Schema files of the model and training configs into
// schema/, from the built package in dist/. Run by `pnpm build` after tsc.
import { mkdir, writeFile } from 'node:fs/promises';
import {
  modelConfigJsonSchema,
  trainingConfigJsonSchema,
} from '../dist/index.js';

const folder = new URL('../schema/', import.meta.url);
await mkdir(folder, { recursive: true });

const files = {
  'model-config.schema.json': modelConfigJsonSchema(),
  'training-config.schema.json': trainingConfigJsonSchema(),
};
for (const [name, schema] of Object.entries(files)) {
  await writeFile(
    new URL(name, folder),
    `${JSON.stringify(schema, null, 2)}\n`,
  );
}
