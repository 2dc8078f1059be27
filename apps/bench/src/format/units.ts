/**
 * Formats a duration with a unit that keeps three significant digits:
 * `ns`, `us`, `ms` or `s`.
 *
 * @param seconds A duration in seconds.
 * @returns For example `1.23 ms`; `-` for undefined or non-finite input.
 */
export function formatSeconds(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) {
    return '-';
  }
  const magnitude = Math.abs(seconds);
  if (magnitude >= 1 || magnitude === 0) {
    return `${significant(seconds)} s`;
  }
  if (magnitude >= 1e-3) {
    return `${significant(seconds * 1e3)} ms`;
  }
  if (magnitude >= 1e-6) {
    return `${significant(seconds * 1e6)} us`;
  }
  return `${significant(seconds * 1e9)} ns`;
}

/**
 * Formats a byte count in mebibytes (2^20 bytes).
 *
 * @param bytes A byte count.
 * @returns For example `12.5 MiB`; `-` for undefined input.
 */
export function formatMebibytes(bytes: number | undefined): string {
  if (bytes === undefined || !Number.isFinite(bytes)) {
    return '-';
  }
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

/**
 * Formats a fraction as a percentage with one decimal.
 *
 * @param fraction A ratio, such as 0.125.
 * @returns For example `12.5%`; `-` for undefined input.
 */
export function formatPercent(fraction: number | undefined): string {
  if (fraction === undefined || !Number.isFinite(fraction)) {
    return '-';
  }
  return `${(fraction * 100).toFixed(1)}%`;
}

/**
 * Formats a number with three significant digits, without an exponent for
 * values from 0.001 to 1e6.
 *
 * @param value Any number.
 * @returns For example `0.0123`, `45.6` or `1234`; `-` for undefined input.
 */
export function formatNumber(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) {
    return '-';
  }
  return significant(value);
}

function significant(value: number): string {
  const magnitude = Math.abs(value);
  if (magnitude !== 0 && (magnitude < 1e-3 || magnitude >= 1e6)) {
    return value.toExponential(2);
  }
  if (magnitude >= 100) {
    return value.toFixed(0);
  }
  return Number(value.toPrecision(3)).toString();
}
