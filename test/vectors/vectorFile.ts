/** Typed access to the shared vector files (see docs/vector-format.md). */
import { readFileSync } from "node:fs";

export interface VectorAsset {
  symbol: string;
  decimals: number;
  price: string;
  ltv: number;
  liquidationThreshold: number;
  maxBonus: string;
  sizeThreshold: string;
  sizeFactor: number;
  protocolFee: number;
}

export interface VectorLiquidation {
  repayAmount: string;
  error: null | "NotLiquidatable" | "ZeroRepay" | "MustNotLeaveDust";
  repaid: string;
  seized: string;
  fee: string;
  toLiquidator: string;
  healthAfter: string;
  badDebt: { asset: number; amount: string }[];
}

export interface VectorPair {
  debtAsset: number;
  collateralAsset: number;
  bonus: string;
  maxRepay: string;
  maxSeize: string;
  liquidations: VectorLiquidation[];
}

export interface Vector {
  name: string;
  tags: string[];
  global: { minBonus: string; targetHealth: string; minLeftover: string };
  assets: VectorAsset[];
  collateral: { asset: number; balance: string }[];
  debt: { asset: number; amount: string }[];
  expected: {
    collateralValue: string;
    weightedCollateral: string;
    initialMarginValue: string;
    debtValue: string;
    healthFactor: string;
    liquidatable: boolean;
    pairs: VectorPair[];
  };
}

export function loadVectors(name = "liquidation"): Vector[] {
  const url = new URL(`./${name}.json`, import.meta.url);
  return (JSON.parse(readFileSync(url, "utf8")) as { vectors: Vector[] }).vectors;
}
