// Solana JSON-RPC methods over a Chain, with the real method names, params
// and response shapes (the subset this project uses), plus devnode_* extensions.
import { address, getBase58Decoder, getBase58Encoder, getBase64Encoder } from "@solana/kit";
import { preflightMessage } from "./errors.js";

const b58 = { encode: (bytes) => getBase58Decoder().decode(bytes), decode: (s) => new Uint8Array(getBase58Encoder().encode(s)) };
const b64 = { encode: (bytes) => Buffer.from(bytes).toString("base64"), decode: (s) => new Uint8Array(getBase64Encoder().encode(s)) };
const API_VERSION = "4.3.0";
const MAX_SIGNATURES = 1000;
/** Placeholder the server serialises as the bare number 18446744073709551615 (u64::MAX), like the validator. */
export const U64_MAX = "__devnode_u64_max__";

/** A JSON-RPC error with a code and optional data, as the validator returns them. */
export class RpcError extends Error {
  constructor(code, message, data) {
    super(message);
    this.code = code;
    this.data = data;
  }
}

const invalidParams = (msg) => new RpcError(-32602, `Invalid params: ${msg}`);
// What a node that has not reached the caller's minContextSlot answers (Solana's JSON_RPC_SERVER_ERROR_MIN_CONTEXT_SLOT_NOT_REACHED).
const requireMinContextSlot = (cfg, slot) => {
  if (cfg.minContextSlot !== undefined && cfg.minContextSlot > slot) {
    throw new RpcError(-32016, "Minimum context slot has not been reached", { contextSlot: slot });
  }
};

function decodeWire(str, encoding = "base58") {
  if (typeof str !== "string") throw invalidParams("transaction must be a string");
  if (encoding === "base64") return b64.decode(str);
  if (encoding === "base58") return b58.decode(str);
  throw invalidParams(`unsupported encoding: ${encoding}. Supported encodings: base58, base64`);
}

function pubkey(s) {
  try { return address(String(s)); } catch { throw invalidParams("Invalid param: WrongSize"); }
}

function encodeData(data, encoding) {
  if (encoding === "base58") return [b58.encode(data), "base58"];
  if (encoding === "base64" || encoding === undefined || encoding === "jsonParsed") return [b64.encode(data), "base64"];
  if (encoding === "binary") return b58.encode(data);
  throw invalidParams(`unsupported encoding: ${encoding}`);
}

export function createRpc(chain) {
  const ctx = () => ({ apiVersion: API_VERSION, slot: chain.slot });
  const withCtx = (value) => ({ context: ctx(), value });

  const accountJson = (addr, encoding, dataSlice) => {
    const a = chain.svm.getAccount(addr);
    if (!a.exists) return null;
    let data = a.data;
    if (dataSlice) data = data.slice(dataSlice.offset, dataSlice.offset + dataSlice.length);
    return {
      data: encodeData(data, encoding), executable: a.executable, lamports: Number(a.lamports), owner: a.programAddress,
      rentEpoch: U64_MAX, space: a.data.length,
    };
  };

  const statusOf = (rec) => ({
    slot: rec.slot, confirmations: null, err: rec.err, status: rec.err ? { Err: rec.err } : { Ok: null },
    confirmationStatus: "finalized",
  });

  const transactionJson = (rec, encoding) => {
    const m = rec.message;
    if (encoding === "base64" || encoding === "base58") return [encoding === "base64" ? b64.encode(rec.wire) : b58.encode(rec.wire), encoding];
    const sigs = chain.decode(rec.wire).tx.signatures;
    const message = {
      accountKeys: m.staticAccounts,
      header: { numRequiredSignatures: m.header.numSignerAccounts, numReadonlySignedAccounts: m.header.numReadonlySignerAccounts, numReadonlyUnsignedAccounts: m.header.numReadonlyNonSignerAccounts },
      recentBlockhash: m.lifetimeToken,
      instructions: (m.instructions ?? []).map((ix) => ({ programIdIndex: ix.programAddressIndex, accounts: [...(ix.accountIndices ?? [])], data: b58.encode(ix.data ?? new Uint8Array()), stackHeight: null })),
    };
    if (m.version === 0) message.addressTableLookups = (m.addressTableLookups ?? []).map((l) => ({ accountKey: l.lookupTableAddress, writableIndexes: [...l.writableIndexes], readonlyIndexes: [...l.readonlyIndexes] }));
    return { message, signatures: Object.values(sigs).map((s) => b58.encode(s)) };
  };

  const metaJson = (rec) => ({
    err: rec.err, status: rec.err ? { Err: rec.err } : { Ok: null }, fee: rec.fee, preBalances: rec.preBalances, postBalances: rec.postBalances,
    innerInstructions: innerJson(rec), logMessages: rec.logs, preTokenBalances: [], postTokenBalances: [], rewards: [],
    loadedAddresses: rec.keys.loaded, computeUnitsConsumed: rec.unitsConsumed, returnData: null,
  });

  const innerJson = (rec) => (rec.innerInstructions ?? []).map((list, index) => ({
    index,
    instructions: list.map((inner) => {
      const ci = inner.instruction();
      return { programIdIndex: ci.programIdIndex(), accounts: [...ci.accounts()], data: b58.encode(ci.data()), stackHeight: inner.stackHeight() };
    }),
  })).filter((x) => x.instructions.length > 0);

  const methods = {
    getHealth: () => "ok",
    getVersion: () => ({ "solana-core": `${API_VERSION}-devnode-litesvm`, "feature-set": 0 }),
    getSlot: () => chain.slot,
    getBlockHeight: () => chain.blockHeight(),
    getGenesisHash: () => "DEVNoDE1111111111111111111111111111111111111",
    getEpochInfo: () => ({ absoluteSlot: chain.slot, blockHeight: chain.blockHeight(), epoch: 0, slotIndex: chain.slot, slotsInEpoch: 432000, transactionCount: chain.history.size }),
    getTransactionCount: () => chain.history.size,
    getBlockTime: ([slot]) => (slot <= chain.slot ? chain.unixTime() - Math.floor(((chain.slot - slot) * chain.slotMs) / 1000) : null),
    getFirstAvailableBlock: () => 0,
    getRecentPrioritizationFees: ([addrs = []] = []) => {
      if (!Array.isArray(addrs) || addrs.length > 128) throw invalidParams("expected at most 128 addresses");
      return chain.recentPrioritizationFees(addrs.map(pubkey));
    },
    getMinimumBalanceForRentExemption: ([size]) => Number(chain.svm.minimumBalanceForRentExemption(BigInt(size ?? 0))),
    getLatestBlockhash: () => withCtx(chain.latestBlockhash()),
    isBlockhashValid: ([hash]) => withCtx(chain.isBlockhashValid(hash)),
    getFeeForMessage: ([msg]) => {
      const bytes = b64.decode(msg);
      return withCtx(5000 * (bytes[0] & 0x80 ? bytes[1] : bytes[0]));
    },
    getBalance: ([addr]) => withCtx(Number(chain.svm.getBalance(pubkey(addr)) ?? 0n)),
    getAccountInfo: ([addr, cfg = {}]) => {
      requireMinContextSlot(cfg, chain.slot);
      return withCtx(accountJson(pubkey(addr), cfg.encoding ?? "base58", cfg.dataSlice));
    },
    getMultipleAccounts: ([addrs, cfg = {}]) => {
      if (!Array.isArray(addrs)) throw invalidParams("expected an array of addresses");
      return withCtx(addrs.map((a) => accountJson(pubkey(a), cfg.encoding ?? "base58", cfg.dataSlice)));
    },
    getProgramAccounts: ([program, cfg = {}]) => {
      const filters = cfg.filters ?? [];
      const list = chain.svm.getProgramAccounts(pubkey(program)).filter((a) => filters.every((f) => {
        if (f.dataSize !== undefined) return a.data.length === f.dataSize;
        if (f.memcmp) {
          const want = f.memcmp.encoding === "base64" ? b64.decode(f.memcmp.bytes) : b58.decode(f.memcmp.bytes);
          const got = a.data.slice(f.memcmp.offset, f.memcmp.offset + want.length);
          return got.length === want.length && got.every((x, i) => x === want[i]);
        }
        throw invalidParams("unsupported filter");
      })).map((a) => ({ pubkey: a.address, account: accountJson(a.address, cfg.encoding ?? "base58", cfg.dataSlice) }));
      return cfg.withContext ? withCtx(list) : list;
    },
    getTokenAccountBalance: ([addr]) => {
      const a = chain.svm.getAccount(pubkey(addr));
      if (!a.exists || a.data.length !== 165) throw new RpcError(-32602, "Invalid param: not a Token account");
      const amount = Buffer.from(a.data).readBigUInt64LE(64);
      const mint = chain.svm.getAccount(address(b58.encode(a.data.slice(0, 32))));
      const decimals = mint.exists ? mint.data[44] : 0;
      const ui = Number(amount) / 10 ** decimals;
      return withCtx({ amount: amount.toString(), decimals, uiAmount: ui, uiAmountString: String(ui) });
    },
    requestAirdrop: ([addr, amount]) => {
      const r = chain.airdrop(pubkey(addr), amount);
      if (r.err) throw new RpcError(-32603, `Internal error: airdrop failed: ${JSON.stringify(r.err)}`);
      return r.signature;
    },
    simulateTransaction: ([tx, cfg = {}]) => {
      if (cfg.sigVerify && cfg.replaceRecentBlockhash) throw invalidParams("sigVerify may not be used with replaceRecentBlockhash");
      const s = chain.simulate(decodeWire(tx, cfg.encoding), { sigVerify: cfg.sigVerify === true });
      return withCtx({ err: s.err, logs: s.logs, accounts: null, unitsConsumed: s.unitsConsumed, returnData: null });
    },
    sendTransaction: ([tx, cfg = {}]) => {
      const wire = decodeWire(tx, cfg.encoding);
      if (!cfg.skipPreflight) {
        const { signature, message } = chain.decode(wire);
        if (chain.history.has(signature)) {
          throw new RpcError(-32002, preflightMessage("AlreadyProcessed"), { err: "AlreadyProcessed", logs: [], accounts: null, unitsConsumed: 0, returnData: null });
        }
        if (!chain.isBlockhashValid(message.lifetimeToken)) {
          throw new RpcError(-32002, preflightMessage("BlockhashNotFound"), { err: "BlockhashNotFound", logs: [], accounts: null, unitsConsumed: 0, returnData: null });
        }
        const s = chain.simulate(wire);
        if (s.err) throw new RpcError(-32002, preflightMessage(s.err), { err: s.err, logs: s.logs, accounts: null, unitsConsumed: s.unitsConsumed, returnData: null });
      }
      return chain.send(wire).signature;
    },
    getSignatureStatuses: ([sigs]) => {
      if (!Array.isArray(sigs)) throw invalidParams("expected an array of signatures");
      return withCtx(sigs.map((s) => (chain.history.has(s) ? statusOf(chain.history.get(s)) : null)));
    },
    getTransaction: ([sig, cfg = {}]) => {
      const config = typeof cfg === "string" ? { encoding: cfg } : cfg;
      const rec = chain.history.get(sig);
      if (!rec || !rec.wire) return null;
      if (rec.message.version === 0 && config.maxSupportedTransactionVersion === undefined) {
        throw new RpcError(-32015, "Transaction version (0) is not supported by the requesting client. Please try the request again with the following configuration parameter: \"maxSupportedTransactionVersion\": 0");
      }
      return {
        slot: rec.slot, blockTime: rec.blockTime, version: rec.message.version === "legacy" ? "legacy" : rec.message.version,
        meta: metaJson(rec), transaction: transactionJson(rec, config.encoding ?? "json"),
      };
    },
    getSignaturesForAddress: ([addr, cfg = {}]) => {
      requireMinContextSlot(cfg, chain.slot);
      const limit = cfg.limit ?? MAX_SIGNATURES;
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_SIGNATURES) throw invalidParams(`Invalid limit; max ${MAX_SIGNATURES}`);
      const all = (chain.byAddress.get(pubkey(addr)) ?? []).slice().reverse(); // newest first
      let start = 0;
      if (cfg.before) {
        const i = all.indexOf(cfg.before);
        start = i < 0 ? all.length : i + 1;
      }
      const out = [];
      for (let i = start; i < all.length && out.length < limit; i++) {
        if (cfg.until && all[i] === cfg.until) break;
        const rec = chain.history.get(all[i]);
        out.push({ signature: rec.signature, slot: rec.slot, err: rec.err, memo: null, blockTime: rec.blockTime, confirmationStatus: "finalized" });
      }
      return out;
    },

    // ---- extensions for tests ----
    devnode_warpToTimestamp: ([unix]) => {
      if (!Number.isInteger(unix)) throw invalidParams("expected a unix timestamp in seconds");
      chain.warpToTimestamp(unix);
      return { slot: chain.slot, unixTimestamp: chain.unixTime() };
    },
    devnode_warpSlot: ([slot]) => {
      if (!Number.isInteger(slot)) throw invalidParams("expected a slot number");
      try { chain.warpSlot(slot); } catch (e) { throw invalidParams(e.message); }
      return { slot: chain.slot, unixTimestamp: chain.unixTime() };
    },
    devnode_truncateLogs: ([transactions, maxBytes = 0]) => {
      if (!Number.isInteger(transactions) || transactions < 1 || !Number.isInteger(maxBytes) || maxBytes < 0) {
        throw invalidParams("expected [transactions >= 1, maxBytes >= 0]");
      }
      chain.truncateNextLogs(transactions, maxBytes);
      return { pending: chain.truncations.length };
    },
    devnode_info: () => ({ programId: chain.programId, slot: chain.slot, unixTimestamp: chain.unixTime(), slotMs: chain.slotMs }),
  };

  /** Handles one parsed JSON-RPC request object; returns the response object. */
  return function handle(req) {
    const id = req && req.id !== undefined ? req.id : null;
    if (!req || req.jsonrpc !== "2.0" || typeof req.method !== "string") {
      return { jsonrpc: "2.0", id, error: { code: -32600, message: "Invalid request" } };
    }
    const fn = methods[req.method];
    if (!fn) return { jsonrpc: "2.0", id, error: { code: -32601, message: "Method not found" } };
    try {
      const result = fn(Array.isArray(req.params) ? req.params : []);
      return { jsonrpc: "2.0", id, result };
    } catch (e) {
      if (e instanceof RpcError) return { jsonrpc: "2.0", id, error: { code: e.code, message: e.message, ...(e.data !== undefined ? { data: e.data } : {}) } };
      return { jsonrpc: "2.0", id, error: { code: -32603, message: `Internal error: ${e.message}` } };
    }
  };
}
