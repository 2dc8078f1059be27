import { z } from 'zod';
import { formatValue } from './format.js';
import { type ConfigKind, parseWithSchema } from './parse.js';
import {
  applyRuleToInput,
  type CrossFieldRule,
  checkRule,
  isPositiveNumber,
  missingMessage,
  numberOrNull,
} from './rules.js';

/** Initialization of the imaginary parts of the diagonal state matrix A. */
export type SsmInit = 'legs' | 'inv' | 'lin' | 'real';

/** Discretization of the continuous-time SSM: zero-order hold or bilinear. */
export type Discretization = 'zoh' | 'bilinear';

/** Feed-forward sub-layer of each block. */
export type FfnKind = 'swiglu' | 'gelu' | 'none';

/** Projection after the SSM and its GELU inside each block. */
export type SsmOutput = 'glu' | 'linear' | 'none';

/** Output of the model, taken from the sequence of its last block. */
export type ModelOutput = 'last' | 'mean' | 'sequence';

/** A resolved S4D model config: every field present, defaults filled. */
export interface ModelConfig {
  /** Width of the input features: input is [batch, seqLen, embedDim]. */
  embedDim: number;
  /** Model width H, the channels of every block. */
  hiddenSize: number;
  /** State size N per channel; even, because modes come in conjugate pairs. */
  stateSize: number;
  /** Number of stacked S4D blocks. */
  numLayers: number;
  /** Dropout probability, 0 <= p < 1. */
  dropout: number;
  /** Length of the input window, in steps. */
  windowSize: number;
  /** Fixed input length in steps, or `null` for any length. */
  seqLen: number | null;
  /** Initialization of Im A. */
  init: SsmInit;
  /** Discretization method. */
  discretization: Discretization;
  /** Lower end of the range that the initial timesteps dt are drawn from. */
  dtMin: number;
  /** Upper end of the initial timestep range; greater than `dtMin`. */
  dtMax: number;
  /** Feed-forward sub-layer. */
  ffn: FfnKind;
  /** Inner width of the feed-forward sub-layer, in multiples of `hiddenSize`. */
  ffnExpansion: number;
  /** Projection after the SSM. */
  ssmOutput: SsmOutput;
  /** Model output: the last position, the mean over positions, or every position. */
  output: ModelOutput;
}

/** A resolved model config whose `embedDim` may be left for later, as in a training config. */
export type TrainingModelConfig = Omit<ModelConfig, 'embedDim'> & {
  embedDim?: number;
};

/** Defaults of every model field except `embedDim` and `seqLen`. */
const MODEL_DEFAULTS = {
  hiddenSize: 256,
  stateSize: 64,
  numLayers: 4,
  dropout: 0.1,
  windowSize: 60,
  init: 'legs',
  discretization: 'zoh',
  dtMin: 0.001,
  dtMax: 0.1,
  ffn: 'swiglu',
  ffnExpansion: 4,
  ssmOutput: 'glu',
  output: 'last',
} as const;

/**
 * Returns the recommended model size: hiddenSize 256, stateSize 64,
 * numLayers 4, windowSize 60 and dropout 0.1, the defaults of Edifice's
 * `Edifice.SSM.S4D` and of this package.
 */
export function recommendedDefaults(): {
  hiddenSize: number;
  stateSize: number;
  numLayers: number;
  windowSize: number;
  dropout: number;
} {
  return {
    hiddenSize: MODEL_DEFAULTS.hiddenSize,
    stateSize: MODEL_DEFAULTS.stateSize,
    numLayers: MODEL_DEFAULTS.numLayers,
    windowSize: MODEL_DEFAULTS.windowSize,
    dropout: MODEL_DEFAULTS.dropout,
  };
}

function positiveInteger() {
  return z.number().int().min(1);
}

const embedDimField = z
  .number({
    error: missingMessage('the width of the input features, an integer >= 1'),
  })
  .int()
  .min(1)
  .describe(
    'Width of the input features: the model input is [batch, seqLen, embedDim]. Integer >= 1.',
  );

/** The model fields other than `embedDim`, shared with the training config. */
const modelFields = {
  hiddenSize: positiveInteger()
    .default(MODEL_DEFAULTS.hiddenSize)
    .describe('Model width H: the channels of every block. Integer >= 1.'),
  stateSize: z
    .number()
    .int()
    .min(2)
    .multipleOf(2, {
      error: (issue) =>
        `${formatValue(issue.input)} is odd; S4D needs an even state size`,
    })
    .default(MODEL_DEFAULTS.stateSize)
    .describe(
      'State size N per channel, kept as N/2 complex modes. Even, >= 2.',
    ),
  numLayers: positiveInteger()
    .default(MODEL_DEFAULTS.numLayers)
    .describe('Number of stacked S4D blocks. Integer >= 1.'),
  dropout: z
    .number()
    .min(0)
    .lt(1)
    .default(MODEL_DEFAULTS.dropout)
    .describe('Dropout probability, 0 <= p < 1.'),
  windowSize: positiveInteger()
    .default(MODEL_DEFAULTS.windowSize)
    .describe('Length of the input window, in steps. Integer >= 1.'),
  seqLen: numberOrNull()
    .int()
    .min(1)
    .nullable()
    .optional()
    .describe(
      'Fixed input length in steps, or null for any length. Defaults to windowSize.',
    ),
  init: z
    .enum(['legs', 'inv', 'lin', 'real'])
    .default(MODEL_DEFAULTS.init)
    .describe(
      'Initialization of the state matrix A: S4D-LegS, S4D-Inv, S4D-Lin or S4D-Real.',
    ),
  discretization: z
    .enum(['zoh', 'bilinear'])
    .default(MODEL_DEFAULTS.discretization)
    .describe('Discretization: zero-order hold or bilinear.'),
  dtMin: z
    .number()
    .gt(0)
    .default(MODEL_DEFAULTS.dtMin)
    .describe(
      'Lower end of the log-uniform range of initial timesteps dt. 0 < dtMin < dtMax.',
    ),
  dtMax: z
    .number()
    .gt(0)
    .default(MODEL_DEFAULTS.dtMax)
    .describe('Upper end of the range of initial timesteps dt.'),
  ffn: z
    .enum(['swiglu', 'gelu', 'none'])
    .default(MODEL_DEFAULTS.ffn)
    .describe('Feed-forward sub-layer of each block: SwiGLU, GELU or none.'),
  ffnExpansion: positiveInteger()
    .default(MODEL_DEFAULTS.ffnExpansion)
    .describe(
      'Inner width of the feed-forward sub-layer, in multiples of hiddenSize. Integer >= 1.',
    ),
  ssmOutput: z
    .enum(['glu', 'linear', 'none'])
    .default(MODEL_DEFAULTS.ssmOutput)
    .describe(
      'Projection after the SSM: Linear(H -> 2H) then GLU, Linear(H -> H), or none.',
    ),
  output: z
    .enum(['last', 'mean', 'sequence'])
    .default(MODEL_DEFAULTS.output)
    .describe(
      'Model output: the last position [batch, hiddenSize], the mean over positions, or every position [batch, length, hiddenSize].',
    ),
};

const dtRangeRule: CrossFieldRule = ({ dtMin, dtMax }) => {
  if (isPositiveNumber(dtMin) && isPositiveNumber(dtMax) && dtMin >= dtMax) {
    return [
      {
        path: ['dtMin'],
        value: dtMin,
        message: `${dtMin} is not below dtMax ${dtMax}; the timestep range needs dtMin < dtMax`,
      },
    ];
  }
  return [];
};

type ModelFieldValues = z.output<z.ZodObject<typeof modelFields>>;

function resolveFields(
  fields: ModelFieldValues,
): Omit<ModelConfig, 'embedDim'> {
  return {
    hiddenSize: fields.hiddenSize,
    stateSize: fields.stateSize,
    numLayers: fields.numLayers,
    dropout: fields.dropout,
    windowSize: fields.windowSize,
    seqLen: fields.seqLen === undefined ? fields.windowSize : fields.seqLen,
    init: fields.init,
    discretization: fields.discretization,
    dtMin: fields.dtMin,
    dtMax: fields.dtMax,
    ffn: fields.ffn,
    ffnExpansion: fields.ffnExpansion,
    ssmOutput: fields.ssmOutput,
    output: fields.output,
  };
}

const modelObject = z
  .strictObject({
    $schema: z
      .string()
      .optional()
      .describe('JSON Schema of this file, for editors; ignored.'),
    embedDim: embedDimField,
    ...modelFields,
  })
  .check(checkRule(dtRangeRule));

/**
 * The zod schema of a model config. Its output is a {@link ModelConfig} with
 * every default filled and `$schema` dropped; unknown keys are rejected.
 */
export const modelConfigSchema = modelObject
  .transform(
    (fields): ModelConfig => ({
      embedDim: fields.embedDim,
      ...resolveFields(fields),
    }),
  )
  .meta({
    title: 'S4D model config',
    description:
      'Settings of an S4D sequence model. Fields other than embedDim have defaults.',
  });

/** A model config as a user writes it: fields with defaults may be left out. */
export type ModelConfigInput = z.input<typeof modelConfigSchema>;

const trainingModelObject = z
  .strictObject({ embedDim: embedDimField.optional(), ...modelFields })
  .check(checkRule(dtRangeRule));

/**
 * The schema of a training config's `model`: a model config whose `embedDim`
 * may be left out, for the trainer to fill from the data.
 */
export const trainingModelConfigSchema = trainingModelObject
  .transform((fields): TrainingModelConfig => {
    const resolved = resolveFields(fields);
    return fields.embedDim === undefined
      ? resolved
      : { embedDim: fields.embedDim, ...resolved };
  })
  .describe(
    'Settings of the S4D model. embedDim may be left out; the trainer takes it from the data.',
  );

/** Keys allowed in a model config, `$schema` included. */
export const MODEL_CONFIG_KEYS: readonly string[] = Object.keys(
  modelObject.shape,
);

/** Keys allowed in a training config's `model`. */
export const TRAINING_MODEL_CONFIG_KEYS: readonly string[] = Object.keys(
  trainingModelObject.shape,
);

/** Returns the problems of the model rules that span fields, for raw input under `prefix`. */
export function modelCrossFieldProblems(
  input: unknown,
  prefix: readonly PropertyKey[] = [],
) {
  return applyRuleToInput(dtRangeRule, input, MODEL_DEFAULTS, prefix);
}

const modelConfigKind: ConfigKind<ModelConfig> = {
  subject: 'model config',
  schema: modelConfigSchema,
  knownKeys: () => MODEL_CONFIG_KEYS,
  crossFieldProblems: (input) => modelCrossFieldProblems(input),
};

/**
 * Validates a model config and fills its defaults. `seqLen` defaults to
 * `windowSize`; a `$schema` key is allowed and dropped.
 *
 * @param input A model config as written by a user, e.g. parsed JSON.
 * @returns The resolved config.
 * @throws ConfigError listing every problem: unknown keys (with a suggested
 *   known key for a likely typo), wrong types and broken rules.
 */
export function parseModelConfig(input: unknown): ModelConfig {
  return parseWithSchema(modelConfigKind, input);
}
