/** Compiled contracts (ABI + bytecode) read from Hardhat's artifacts, for deploying with plain viem. */
import { readFileSync } from "node:fs";
import type { Abi, Hex } from "viem";

const ROOT = new URL("../../artifacts/contracts/", import.meta.url);

export interface Compiled {
  abi: Abi;
  bytecode: Hex;
}

const PATHS: Record<string, string> = {
  Vault: "Vault.sol/Vault.json",
  /** the full ABI of the vault's address (actions, admin, views) */
  IVault: "interfaces/IVault.sol/IVault.json",
  VaultExtension: "vault/VaultExtension.sol/VaultExtension.json",
  VaultLens: "vault/VaultLens.sol/VaultLens.json",
  MockERC20: "mocks/MockERC20.sol/MockERC20.json",
  MockAggregator: "mocks/MockAggregator.sol/MockAggregator.json",
};

export function compiled(name: keyof typeof PATHS | string): Compiled {
  const path = PATHS[name];
  if (path === undefined) throw new Error(`no artifact path known for ${name}`);
  let json: { abi: Abi; bytecode: Hex };
  try {
    json = JSON.parse(readFileSync(new URL(path, ROOT), "utf8")) as { abi: Abi; bytecode: Hex };
  } catch {
    throw new Error(`artifact of ${name} not found: run \`npm run build\` first`);
  }
  return { abi: json.abi, bytecode: json.bytecode };
}
