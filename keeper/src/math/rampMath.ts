/** Twin of contracts/libraries/RampMath.sol: the liquidation threshold in force at time t during a ramp. */

/** target + floor((from - target) * (rampEnd - t) / duration) before rampEnd, target from then on. */
export function thresholdAt(target: bigint, from: bigint, rampEnd: bigint, duration: bigint, t: bigint): bigint {
  if (t >= rampEnd || duration === 0n) return target;
  return target + ((from - target) * (rampEnd - t)) / duration;
}
