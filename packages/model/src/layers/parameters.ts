import * as tf from '@tensorflow/tfjs-core';

/** Named trainable tensors of one layer, keyed by their local names. */
export type ParameterMap = Map<string, tf.Variable>;

/**
 * Makes a trainable variable with a unique tfjs name, so two models in one
 * process never share a variable.
 */
export function makeVariable(initial: tf.Tensor, name: string): tf.Variable {
  const variable = tf.variable(initial, true, `${name}/${nextVariableId++}`);
  initial.dispose();
  return variable;
}

let nextVariableId = 0;

/**
 * Copies `source` into `target` with `prefix.` before every name.
 */
export function addPrefixed(
  target: ParameterMap,
  prefix: string,
  source: ParameterMap,
): void {
  for (const [name, variable] of source) {
    target.set(`${prefix}.${name}`, variable);
  }
}
