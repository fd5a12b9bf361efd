/**
 * The vault's ABI (and the Chainlink aggregator events'), taken from Hardhat's compiled artifacts at
 * run time, never hand-copied.
 *
 * How: the JSON artifact is imported with an import attribute (Node 22 ESM loads it natively; tsc
 * resolves it through `resolveJsonModule`), and its `abi` is given the literal type Hardhat generates next
 * to it (`artifacts/.../artifacts.d.ts`, which augments `ArtifactMap`), so viem infers event names and
 * argument types exactly as with an `as const` copy. Both files come out of the same `hardhat build`
 * (which `hardhat test` runs first), so they cannot disagree and there is no generated source to go
 * stale or commit. The `import type` is erased at run time: the keeper needs no Hardhat at run time, only
 * the built artifacts.
 */
import type { ArtifactMap } from "hardhat/types/artifacts";
import vaultArtifact from "../../../artifacts/contracts/interfaces/IVault.sol/IVault.json" with { type: "json" };
import aggregatorEventsArtifact from "../../../artifacts/contracts/oracle/AggregatorEvents.sol/IAggregatorEvents.json" with {
  type: "json",
};

export type VaultAbi = ArtifactMap["IVault"]["abi"];
export type AggregatorEventsAbi = ArtifactMap["IAggregatorEvents"]["abi"];

/** The full ABI of the vault's address (IVault: actions, admin, views, events, errors). */
export const vaultAbi = vaultArtifact.abi as unknown as VaultAbi;

/** Chainlink's AnswerUpdated / NewRound events (same signatures on MockAggregator and real aggregators). */
export const aggregatorEventsAbi = aggregatorEventsArtifact.abi as unknown as AggregatorEventsAbi;
