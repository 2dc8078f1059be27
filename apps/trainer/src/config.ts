/**
 * The training config fields the trainer reads. `@s4d/config`'s
 * `parseTrainingConfig` validates a raw object and fills the defaults; this
 * type lists what the trainer relies on from its result.
 */
export interface TrainingConfig {
  learningRate: number;
  ssmLearningRate: number;
  weightDecay: number;
  ssmWeightDecay: number;
  batchSize: number;
  epochs: number;
  /** Caps the total steps when set. */
  maxSteps?: number | null | undefined;
  warmupSteps: number;
  schedule: 'cosine' | 'constant';
  /** Global gradient-norm limit; 0 turns clipping off. */
  gradClipNorm: number;
  seed: number;
  /** Steps between held-out evaluations. */
  evalInterval: number;
  checkpointDir: string;
  /** Steps between checkpoints. */
  checkpointInterval: number;
  keepCheckpoints: number;
  workers?: number | null | undefined;
  /** Model config without `embedDim`, which the trainer fills from the data. */
  model: Record<string, unknown>;
  dataset: DatasetConfig;
}

/** Sequential MNIST from the `mnist` package. */
export interface MnistDatasetConfig {
  kind: 'mnist';
  variant: 'pixels' | 'rows';
  trainSize: number;
  testSize: number;
  splitSeed: number;
}

/** A CSV or JSON lines time series, cut into windows. */
export interface CsvDatasetConfig {
  kind: 'csv';
  path: string;
  format?: 'csv' | 'jsonl' | undefined;
  features: string[];
  target: string;
  task: 'classification' | 'regression';
  window: number;
  testFraction: number;
}

/** The `dataset` section of a training config. */
export type DatasetConfig = MnistDatasetConfig | CsvDatasetConfig;
