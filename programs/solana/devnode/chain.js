// The dev node's chain: one LiteSVM with the escrow preloaded, a slot and a
// clock that advance with wall time, recent blockhashes like a validator's,
// and a transaction history indexed by signature and by account.
import { LiteSVM, TransactionMetadata } from "litesvm";
import {
  address, getBase58Decoder, getCompiledTransactionMessageDecoder, getTransactionDecoder, lamports,
} from "@solana/kit";
import { errorJson } from "./errors.js";

const base58 = getBase58Decoder();
const MAX_RECENT_BLOCKHASHES = 150;
const MAX_SLOT_HASHES = 512; // the SlotHashes sysvar's length on a validator
const MAX_FEE_SLOTS = 150; // getRecentPrioritizationFees looks back this many slots
const COMPUTE_BUDGET = "ComputeBudget111111111111111111111111111111";
const SIGNATURE_FEE = 5000;

/**
 * What a validator's log collector does past its byte limit: the lines that fit are kept, the first that does not is
 * replaced by "Log truncated" and every later line is dropped.
 */
export function truncateLogs(logs, maxBytes) {
  const kept = [];
  let bytes = 0;
  for (const line of logs) {
    bytes += Buffer.byteLength(line);
    if (bytes > maxBytes) return [...kept, "Log truncated"];
    kept.push(line);
  }
  return kept;
}

export class Chain {
  /** @param {{programId: string, programPath: string, slotMs: number, now?: () => number}} opts */
  constructor({ programId, programPath, slotMs = 400, now = () => Date.now() }) {
    this.svm = new LiteSVM().withBlockhashCheck(false).withSigverify(true);
    this.svm.addProgramFromFile(address(programId), programPath);
    this.programId = programId;
    this.slotMs = slotMs;
    this.wallNow = now;
    this.timeOffset = 0; // seconds added to wall time by devnode_warpToTimestamp
    this.slot = 1;
    this.blockhashes = new Map(); // blockhash -> last valid block height
    this.history = new Map(); // signature -> record
    this.byAddress = new Map(); // address -> [signature, ...] oldest first
    this.order = 0;
    this.truncations = []; // byte limits for the logs of the next landed transactions (devnode_truncateLogs)
    this.slotHashes = []; // newest first: what the SlotHashes sysvar holds (the Address Lookup Table program reads it)
    this.fees = new Map(); // slot -> [{ price, writable: Set<address> }] of the transactions that landed in it
    this.#applySlot();
  }

  start() {
    this.timer = setInterval(() => this.advance(1), this.slotMs);
    this.timer.unref?.();
  }
  stop() { clearInterval(this.timer); }

  unixTime() { return Math.floor(this.wallNow() / 1000) + this.timeOffset; }
  blockHeight() { return this.slot; }

  advance(slots) {
    this.slot += slots;
    this.svm.expireBlockhash();
    this.#applySlot();
  }

  warpToTimestamp(unix) {
    this.timeOffset = unix - Math.floor(this.wallNow() / 1000);
    this.advance(1);
  }

  warpSlot(slot) {
    if (slot <= this.slot) throw new Error(`slot ${slot} is not after the current slot ${this.slot}`);
    this.advance(slot - this.slot);
  }

  #applySlot() {
    this.svm.warpToSlot(BigInt(this.slot));
    const clock = this.svm.getClock();
    clock.unixTimestamp = BigInt(this.unixTime());
    this.svm.setClock(clock);
    this.blockhashes.set(this.svm.latestBlockhash(), this.slot + MAX_RECENT_BLOCKHASHES);
    for (const [hash, lastValid] of this.blockhashes) {
      if (lastValid < this.slot) this.blockhashes.delete(hash);
    }
    // LiteSVM's warpToSlot leaves SlotHashes alone, so CreateLookupTable would refuse every recent slot. The dev
    // node's slot is its processed and its finalized slot at once, so the current slot is listed too (a client
    // deriving a table from getSlot gets a slot the program accepts). SlotHash has no constructor: reuse a copy.
    const entry = this.svm.getSlotHashes()[0];
    if (entry) {
      entry.slot = BigInt(this.slot);
      entry.hash = this.svm.latestBlockhash();
      this.slotHashes = [entry, ...this.slotHashes.filter((e) => e.slot < BigInt(this.slot))].slice(0, MAX_SLOT_HASHES);
      this.svm.setSlotHashes(this.slotHashes);
    }
    for (const slot of this.fees.keys()) {
      if (slot <= this.slot - MAX_FEE_SLOTS) this.fees.delete(slot);
    }
  }

  /**
   * getRecentPrioritizationFees: one entry per slot of the last 150 in which transactions landed, the lowest
   * compute-unit price paid in it (with addresses: among the transactions that write one of them, the highest of
   * those per-address lowest prices, as the validator's cache reports them), oldest first.
   */
  recentPrioritizationFees(addresses = []) {
    const out = [];
    for (const [slot, txs] of [...this.fees.entries()].sort((a, b) => a[0] - b[0])) {
      let fee;
      if (addresses.length === 0) {
        fee = Math.min(...txs.map((t) => t.price));
      } else {
        const perAddress = addresses.map((a) => txs.filter((t) => t.writable.has(a)).map((t) => t.price)).filter((l) => l.length > 0).map((l) => Math.min(...l));
        fee = perAddress.length === 0 ? 0 : Math.max(...perAddress);
      }
      out.push({ slot, prioritizationFee: fee });
    }
    return out;
  }

  #recordFee(message, keys) {
    const all = keys.all;
    let price = 0;
    for (const ix of message.instructions ?? []) {
      const data = ix.data ?? new Uint8Array();
      if (all[ix.programAddressIndex] === COMPUTE_BUDGET && data[0] === 3 && data.length >= 9) {
        price = Number(Buffer.from(data).readBigUInt64LE(1));
      }
    }
    const h = message.header;
    const nStatic = keys.staticKeys.length;
    const writable = new Set();
    keys.staticKeys.forEach((k, i) => {
      const w = i < h.numSignerAccounts ? i < h.numSignerAccounts - h.numReadonlySignerAccounts : i < nStatic - h.numReadonlyNonSignerAccounts;
      if (w) writable.add(k);
    });
    keys.loaded.writable.forEach((k) => writable.add(k));
    if (!this.fees.has(this.slot)) this.fees.set(this.slot, []);
    this.fees.get(this.slot).push({ price, writable });
  }

  latestBlockhash() {
    const blockhash = this.svm.latestBlockhash();
    return { blockhash, lastValidBlockHeight: this.blockhashes.get(blockhash) };
  }
  isBlockhashValid(hash) { return this.blockhashes.has(hash); }

  /** Decodes wire bytes into a kit Transaction plus its compiled message. */
  decode(wire) {
    const tx = getTransactionDecoder().decode(wire);
    const message = getCompiledTransactionMessageDecoder().decode(tx.messageBytes);
    const signature = base58.decode(Object.values(tx.signatures)[0] ?? new Uint8Array(64));
    return { tx, message, signature };
  }

  /** Keys the transaction touches: static keys, then lookup-table keys (writable, then readonly). */
  accountKeys(message) {
    const loaded = { writable: [], readonly: [] };
    for (const l of message.addressTableLookups ?? []) {
      const table = this.svm.getAccount(l.lookupTableAddress);
      if (!table.exists) continue;
      const at = (i) => base58.decode(table.data.slice(56 + 32 * i, 88 + 32 * i));
      loaded.writable.push(...l.writableIndexes.map(at));
      loaded.readonly.push(...l.readonlyIndexes.map(at));
    }
    return { staticKeys: message.staticAccounts, loaded, all: [...message.staticAccounts, ...loaded.writable, ...loaded.readonly] };
  }

  balances(keys) {
    return keys.map((k) => Number(this.svm.getBalance(address(k)) ?? 0n));
  }

  /** sigVerify false (simulateTransaction's option) simulates unsigned transactions, as a validator does. */
  simulate(wire, { sigVerify = true } = {}) {
    const { tx } = this.decode(wire);
    if (!sigVerify) this.svm.withSigverify(false);
    let res;
    try {
      res = this.svm.simulateTransaction(tx);
    } catch (e) {
      // LiteSVM's wrapper refuses a transaction with empty signature slots before the runtime sees it
      if (/missing signatures/.test(e.message)) return { err: "SignatureFailure", logs: [], unitsConsumed: 0 };
      throw e;
    } finally {
      if (!sigVerify) this.svm.withSigverify(true);
    }
    const meta = res instanceof TransactionMetadata ? res : res.meta();
    const err = res instanceof TransactionMetadata || typeof res.err !== "function" ? null : errorJson(res.err());
    return { err, logs: meta.logs(), unitsConsumed: Number(meta.computeUnitsConsumed()) };
  }

  /** Executes and records the transaction; returns {signature, err, logs, unitsConsumed}. */
  send(wire) {
    const { tx, message, signature } = this.decode(wire);
    if (!this.isBlockhashValid(message.lifetimeToken)) {
      return { signature, err: "BlockhashNotFound", logs: [], unitsConsumed: 0, recorded: false };
    }
    const keys = this.accountKeys(message);
    const preBalances = this.balances(keys.all);
    const res = this.svm.sendTransaction(tx);
    const ok = res instanceof TransactionMetadata;
    const meta = ok ? res : res.meta();
    const err = ok ? null : errorJson(res.err());
    const record = {
      signature, slot: this.slot, blockTime: this.unixTime(), wire: Uint8Array.from(wire), message, keys, err,
      logs: meta.logs(), unitsConsumed: Number(meta.computeUnitsConsumed()), preBalances,
      postBalances: this.balances(keys.all), fee: SIGNATURE_FEE * message.header.numSignerAccounts, order: this.order++,
      innerInstructions: ok ? res.innerInstructions() : [],
    };
    // AlreadyProcessed / blockhash / signature failures never land in a block
    const landed = ok || !(typeof err === "string" && ["AlreadyProcessed", "BlockhashNotFound", "SignatureFailure", "SanitizeFailure", "AccountNotFound", "InsufficientFundsForFee"].includes(err));
    if (landed && !this.history.has(signature)) {
      if (this.truncations.length > 0) record.logs = truncateLogs(record.logs, this.truncations.shift());
      this.#record(record);
      this.#recordFee(message, keys);
    }
    return { signature, err, logs: record.logs, unitsConsumed: record.unitsConsumed, recorded: landed };
  }

  /** The logs of the next `transactions` landed transactions keep at most `maxBytes` bytes, as a validator's do (10 KB). */
  truncateNextLogs(transactions, maxBytes) {
    for (let i = 0; i < transactions; i++) this.truncations.push(maxBytes);
  }

  airdrop(to, amount) {
    const res = this.svm.airdrop(address(to), lamports(BigInt(amount)));
    const meta = res instanceof TransactionMetadata ? res : res?.meta();
    const signature = base58.decode(meta.signature());
    const err = res instanceof TransactionMetadata ? null : errorJson(res.err());
    this.#record({
      signature, slot: this.slot, blockTime: this.unixTime(), wire: null, message: null,
      keys: { staticKeys: [to], loaded: { writable: [], readonly: [] }, all: [to] }, err, logs: meta.logs(),
      unitsConsumed: 0, preBalances: [], postBalances: [], fee: 0, order: this.order++, innerInstructions: [],
    });
    this.svm.expireBlockhash(); // a second identical airdrop must get a new signature
    this.blockhashes.set(this.svm.latestBlockhash(), this.slot + MAX_RECENT_BLOCKHASHES);
    return { signature, err };
  }

  #record(rec) {
    this.history.set(rec.signature, rec);
    for (const k of new Set(rec.keys.all)) {
      if (!this.byAddress.has(k)) this.byAddress.set(k, []);
      this.byAddress.get(k).push(rec.signature);
    }
  }
}
