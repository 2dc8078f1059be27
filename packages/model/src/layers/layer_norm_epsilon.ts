/** Epsilon added to the variance, as in PyTorch's `nn.LayerNorm`. */
export const LAYER_NORM_EPSILON = 1e-5;
