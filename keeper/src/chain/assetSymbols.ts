/**
 * The token symbol of every listed asset, read once with ERC-20 `symbol()` (one read per asset), so
 * commands accept `WETH` as well as an asset id. A token whose `symbol()` reverts or returns nothing
 * usable is named `asset<id>`. Symbols are matched case-insensitively; two assets with the same
 * symbol can only be named by id.
 */
import type { Address, PublicClient } from "viem";
import { InputError } from "../cli/inputError.ts";

const erc20SymbolAbi = [
  { type: "function", name: "symbol", stateMutability: "view", inputs: [], outputs: [{ name: "", type: "string" }] },
] as const;

/** The one client method used (a viem PublicClient). */
export type SymbolReader = Pick<PublicClient, "readContract">;

/** Asset ids and their symbols, and the parsing of a user's name for an asset. */
export class AssetSymbols {
  /** asset id -> symbol */
  readonly byId: ReadonlyMap<number, string>;

  constructor(byId: ReadonlyMap<number, string>) {
    this.byId = byId;
  }

  /** The symbol of an asset (`asset<id>` when unknown). */
  symbol(id: number): string {
    return this.byId.get(id) ?? `asset${id}`;
  }

  /** "WETH (2), WBTC (1), ..." in id order, for error messages. */
  choices(): string {
    return [...this.byId].sort(([a], [b]) => a - b).map(([id, s]) => `${s} (${id})`).join(", ");
  }

  /**
   * The asset id named by `text`: a symbol (case-insensitive) or a listed asset id. Throws an InputError
   * naming the choices otherwise (or when two assets share the symbol).
   */
  resolve(text: string): number {
    const t = text.trim();
    if (/^\d+$/.test(t)) {
      const id = Number(t);
      if (this.byId.has(id)) return id;
      throw new InputError(`unknown asset id ${t}: the vault lists ${this.choices()}`);
    }
    const hits = [...this.byId].filter(([, s]) => s.toLowerCase() === t.toLowerCase());
    if (hits.length === 1) return hits[0]![0];
    if (hits.length > 1) {
      throw new InputError(`asset symbol ${t} is ambiguous (ids ${hits.map(([id]) => id).join(", ")}): use the asset id`);
    }
    throw new InputError(`unknown asset ${JSON.stringify(t)}: the vault lists ${this.choices()}`);
  }
}

/** Reads `symbol()` of each asset's token (in parallel). */
export async function readAssetSymbols(
  client: SymbolReader,
  assets: Iterable<{ id: number; token: Address }>,
): Promise<AssetSymbols> {
  const list = [...assets];
  const symbols = await Promise.all(
    list.map(async (a) => {
      try {
        const s = await client.readContract({ address: a.token, abi: erc20SymbolAbi, functionName: "symbol" });
        return typeof s === "string" && /^[\x21-\x7e]{1,32}$/.test(s) ? s : `asset${a.id}`;
      } catch {
        return `asset${a.id}`;
      }
    }),
  );
  return new AssetSymbols(new Map(list.map((a, i) => [a.id, symbols[i]!])));
}
