export type {
  CsvDatasetConfig,
  DatasetConfig,
  MnistDatasetConfig,
  TrainingConfig,
} from '@s4d/config';
