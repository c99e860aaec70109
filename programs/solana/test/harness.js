// LiteSVM test harness: a fresh SVM with the escrow loaded, SPL mints and
// token accounts written directly, and a send helper that reports the
// program's custom error by name.
import { LiteSVM, TransactionMetadata } from "litesvm";
import {
  address, appendTransactionMessageInstructions, compressTransactionMessageUsingAddressLookupTables, createTransactionMessage,
  generateKeyPairSigner, getTransactionSize, lamports, pipe,
  setTransactionMessageFeePayerSigner, setTransactionMessageLifetimeUsingBlockhash, signTransactionMessageWithSigners,
} from "@solana/kit";
import { fileURLToPath } from "node:url";
import path from "node:path";
import * as E from "../client/escrow.js";

export const SO_PATH = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "build", "escrow.so");
export const CHAIN_ID = 900001n;
export const EVM_CHAIN = 31337n;
export const GRACE = 3600n;
export const DELAY = 7200n;
export const NOW = 1_767_225_600n;
export const ALT_PROGRAM = address("AddressLookupTab1e1111111111111111111111111");

export function tokenAccountData(mint, owner, amount) {
  const b = new Uint8Array(165);
  b.set(E.keyBytes(mint), 0);
  b.set(E.keyBytes(owner), 32);
  new DataView(b.buffer).setBigUint64(64, BigInt(amount), true);
  b[108] = 1; // initialized
  return b;
}

export function mintData(authority, supply, decimals = 6) {
  const b = new Uint8Array(82);
  const v = new DataView(b.buffer);
  v.setUint32(0, 1, true);
  b.set(E.keyBytes(authority), 4);
  v.setBigUint64(36, BigInt(supply), true);
  b[44] = decimals;
  b[45] = 1;
  v.setUint32(46, 1, true); // freeze authority: the mint authority (a USDC-like issuer can freeze)
  b.set(E.keyBytes(authority), 50);
  return b;
}

export class Harness {
  static async create({ programId = E.PROGRAM_ID, load = true } = {}) {
    const h = new Harness();
    h.svm = new LiteSVM();
    h.programId = programId;
    if (load) h.svm.addProgramFromFile(programId, SO_PATH);
    h.setTime(NOW);
    h.payer = await h.funded();
    return h;
  }

  async funded(sol = 100n) {
    const s = await generateKeyPairSigner();
    this.svm.airdrop(s.address, lamports(sol * 1_000_000_000n));
    return s;
  }

  setTime(unix) {
    const c = this.svm.getClock();
    c.unixTimestamp = BigInt(unix);
    this.svm.setClock(c);
  }
  now() { return this.svm.getClock().unixTimestamp; }

  setAccount(address, owner, data, lamportsValue) {
    this.svm.setAccount({
      address, programAddress: owner, data, executable: false, space: BigInt(data.length),
      lamports: lamports(lamportsValue ?? this.svm.minimumBalanceForRentExemption(BigInt(data.length))),
    });
  }

  async newMint() {
    const mint = (await generateKeyPairSigner()).address;
    this.setAccount(mint, E.TOKEN_PROGRAM, mintData(this.payer.address, 0));
    return mint;
  }

  async tokenAccount(mint, owner, amount = 0n) {
    const addr = (await generateKeyPairSigner()).address;
    this.setAccount(addr, E.TOKEN_PROGRAM, tokenAccountData(mint, owner, amount));
    return addr;
  }

  account(address) {
    const a = this.svm.getAccount(address);
    return a.exists ? a : null;
  }
  data(address) { return this.account(address)?.data; }
  tokenBalance(address) { return new DataView(this.data(address).buffer, this.data(address).byteOffset).getBigUint64(64, true); }
  config() { return E.decodeConfig(this.data(this.configAddress)); }
  pool(mint) { return E.decodePool(this.data(this.pools[mint])); }

  /** Writes an active address lookup table holding `addresses`; returns its address. */
  async lookupTable(addresses) {
    const table = (await generateKeyPairSigner()).address;
    const data = new Uint8Array(56 + 32 * addresses.length);
    const v = new DataView(data.buffer);
    v.setUint32(0, 1, true); // LookupTable
    v.setBigUint64(4, 0xffffffffffffffffn, true); // not deactivated
    v.setBigUint64(12, 0n, true); // last extended at slot 0
    addresses.forEach((a, i) => data.set(E.keyBytes(a), 56 + 32 * i));
    this.setAccount(table, ALT_PROGRAM, data);
    const slot = this.svm.getClock().slot;
    if (slot < 2n) this.svm.warpToSlot(2n);
    this.setTime(this.now());
    return { [table]: addresses };
  }

  /** Signs and sends; returns {ok, logs, cu, size, err, code, name, events}. */
  async send(instructions, { payer = this.payer, lookupTables } = {}) {
    const ixs = Array.isArray(instructions) ? instructions : [instructions];
    let msg = pipe(
      createTransactionMessage({ version: 0 }),
      (m) => setTransactionMessageFeePayerSigner(payer, m),
      (m) => setTransactionMessageLifetimeUsingBlockhash({ blockhash: this.svm.latestBlockhash(), lastValidBlockHeight: 1_000_000n }, m),
      (m) => appendTransactionMessageInstructions(ixs, m),
    );
    if (lookupTables) msg = compressTransactionMessageUsingAddressLookupTables(msg, lookupTables);
    const tx = await signTransactionMessageWithSigners(msg);
    const size = getTransactionSize(tx);
    const res = this.svm.sendTransaction(tx);
    this.svm.expireBlockhash();
    return { ...Harness.result(res), size };
  }

  static result(res) {
    if (res instanceof TransactionMetadata) {
      return { ok: true, logs: res.logs(), cu: res.computeUnitsConsumed(), events: E.eventsFromLogs(res.logs()) };
    }
    const meta = res.meta();
    const err = res.err();
    let code = null;
    try { const inner = err.err?.(); if (inner && typeof inner.code === "number") code = inner.code; } catch { /* not an instruction error */ }
    return { ok: false, logs: meta.logs(), cu: meta.computeUnitsConsumed(), err: err.toString(), code, name: code != null ? E.ERRORS[code] : null };
  }

  /** Initialize with `signers` (KeyPairSigners) and one supported EVM destination. */
  async initialize({ signers, threshold, admin = this.payer } = {}) {
    this.admin = admin;
    this.signers = signers;
    this.configAddress = (await E.configPda(this.programId)).address;
    const r = await this.send([
      await E.initializeIx({ admin, chainId: CHAIN_ID, graceSeconds: GRACE, activationDelaySeconds: DELAY, threshold, signers: signers.map((s) => s.address), programId: this.programId }),
      await E.setDestinationChainIx({ admin, chainId: EVM_CHAIN, enabled: true, programId: this.programId }),
    ], { payer: admin });
    if (!r.ok) throw new Error(`initialize failed: ${r.err}\n${r.logs.join("\n")}`);
    this.pools = {};
    return r;
  }

  async createPool(mint) {
    const r = await this.send(await E.createPoolIx({ admin: this.admin, mint, programId: this.programId }), { payer: this.admin });
    if (!r.ok) throw new Error(`createPool failed: ${r.err}\n${r.logs.join("\n")}`);
    this.pools[mint] = (await E.poolPda(mint, this.programId)).address;
    return r;
  }

  async user(mint, amount) {
    const owner = await this.funded(10n);
    const token = await this.tokenAccount(mint, owner.address, amount);
    return { signer: owner, token };
  }

  openParams(u, mint, overrides = {}) {
    const cfg = this.config();
    return {
      depositor: u.signer, sourceToken: u.token, mint, amount: 1_000_000n, destinationChainId: EVM_CHAIN,
      outputToken: new Uint8Array(32).fill(0xaa), minOutputAmount: 10n ** 30n, recipient: new Uint8Array(32).fill(0xbb),
      fillDeadline: this.now() + 600n, chainId: cfg.chainId, nonce: cfg.nonce, programId: this.programId, ...overrides,
    };
  }

  async open(u, mint, overrides = {}) {
    const o = await E.openIx(this.openParams(u, mint, overrides));
    const r = await this.send(o.instruction, { payer: u.signer });
    return { ...r, intentId: o.intentId, intent: o.intent };
  }

  async fund(mint, amount) {
    const f = await this.user(mint, amount);
    const r = await this.send(await E.fundIx({ funder: f.signer, source: f.token, mint, amount, programId: this.programId }), { payer: f.signer });
    if (!r.ok) throw new Error(`fund failed: ${r.err}\n${r.logs.join("\n")}`);
    return r;
  }

  async settle({ epoch, chunk = 0, batchRoot = new Uint8Array(32).fill(7), attestors = this.signers, actions, payer = attestors[0], overrides, lookupTables }) {
    const ixn = await E.settleIx({ payer, epoch, chunk, batchRoot, attestors, actions, chainId: CHAIN_ID, programId: this.programId, overrides });
    return this.send(ixn, { payer, lookupTables });
  }
}

/** Vault balance = pool + escrowed (open intents) + claims, for a mint: tokens are conserved. */
export function assertConserved(h, mint, vault) {
  const p = h.pool(mint);
  const claims = p.claims ?? 0n;
  const balance = h.tokenBalance(vault);
  if (balance !== p.pool + p.escrowed + claims) {
    throw new Error(`tokens not conserved: vault ${balance} != pool ${p.pool} + escrowed ${p.escrowed} + claims ${claims}`);
  }
}
