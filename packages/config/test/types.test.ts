import { describe, expectTypeOf, it } from 'vitest';
import type { z } from 'zod';
import type {
  ModelConfig,
  ModelConfigInput,
  modelConfigSchema,
  TrainingConfig,
  TrainingConfigInput,
  trainingConfigSchema,
} from '../src/index.js';

// These checks run when `tsc` typechecks the tests; at run time they pass.
describe('config types', () => {
  it('match the schema outputs', () => {
    expectTypeOf<
      z.output<typeof modelConfigSchema>
    >().toEqualTypeOf<ModelConfig>();
    expectTypeOf<
      z.output<typeof trainingConfigSchema>
    >().toEqualTypeOf<TrainingConfig>();
  });

  it('require only embedDim in a model input', () => {
    expectTypeOf<{ embedDim: number }>().toExtend<ModelConfigInput>();
    expectTypeOf<{ hiddenSize: number }>().not.toExtend<ModelConfigInput>();
  });

  it('require nothing in a training input', () => {
    expectTypeOf<Record<never, never>>().toExtend<TrainingConfigInput>();
  });

  it('accept resolved configs as input', () => {
    expectTypeOf<ModelConfig>().toExtend<ModelConfigInput>();
    expectTypeOf<TrainingConfig>().toExtend<TrainingConfigInput>();
  });

  it('allow $schema in inputs', () => {
    expectTypeOf<{
      $schema: string;
      embedDim: number;
    }>().toExtend<ModelConfigInput>();
    expectTypeOf<{ $schema: string }>().toExtend<TrainingConfigInput>();
  });
});
