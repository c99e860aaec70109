// Instruction builders, PDA helpers and event/account decoders for the escrow
// program, with @solana/kit types. The byte layouts are README.md's; tests,
// the dev node and anyone scripting the program share this one encoder.
import { AccountRole, address, getAddressDecoder, getAddressEncoder, getProgramDerivedAddress } from "@solana/kit";
import jsSha3 from "js-sha3";

export const PROGRAM_ID = address("CFnRYAA6BVyFD6b4yqGvHRmLiWnuGyK7UyQMUvHQrsHw");
export const SYSTEM_PROGRAM = address("11111111111111111111111111111111");
export const TOKEN_PROGRAM = address("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA");

/** Escrow protocol version this client speaks (v2: docs/ARCHITECTURE.md "Escrow protocol, version 2"). */
export const PROTOCOL_VERSION = 2;
export const IX = {
  initialize: 0, createPool: 1, open: 2, settle: 3, refundExpired: 4, fund: 5, retiredSetSigners: 6, setPaused: 7, setDestinationChain: 8,
  proposeSigners: 9, activateSigners: 10, proposeAdmin: 11, acceptAdmin: 12, claim: 13,
};
export const ACTION = { release: 0, refund: 1, payout: 2, withdraw: 3 };
export const STATUS = { open: 1, released: 2, refunded: 3 };
export const ERRORS = {
  1: "InvalidInstruction", 2: "NotEnoughAccounts", 3: "MissingSigner", 4: "NotWritable", 5: "WrongOwner",
  6: "WrongAccountType", 7: "InvalidPda", 8: "WrongProgramId", 9: "AlreadyInitialized", 10: "Unauthorized",
  11: "Paused", 12: "ZeroAmount", 13: "DeadlinePassed", 14: "UnknownDestinationChain", 15: "ZeroRecipient",
  16: "WrongMint", 17: "WrongTokenOwner", 18: "WrongVault", 19: "SignerNotRegistered", 20: "DuplicateSigner",
  21: "BelowThreshold", 22: "ChunkAlreadyApplied", 23: "AlreadyPaid", 24: "InsufficientPool", 25: "IntentNotOpen",
  26: "TooEarly", 27: "InvalidThreshold", 28: "IntentMismatch", 29: "ArithmeticOverflow", 30: "InvalidActionField",
  31: "MixedChunk", 32: "ReleaseWindowClosed", 33: "InvalidGrace", 34: "InvalidDelay", 35: "NoPendingChange",
  36: "AlreadyWithdrawn", 37: "Undeliverable",
};
export const ERROR_CODE = Object.fromEntries(Object.entries(ERRORS).map(([k, v]) => [v, Number(k)]));

const addressEncoder = getAddressEncoder();
const addressDecoder = getAddressDecoder();
export const keyBytes = (a) => new Uint8Array(addressEncoder.encode(a));
export const keyFromBytes = (b) => addressDecoder.decode(b);
export const keccak256 = (bytes) => new Uint8Array(jsSha3.keccak256.arrayBuffer(bytes));
export const hex = (b) => "0x" + Buffer.from(b).toString("hex");

/** Little-endian byte writer for instruction data. */
class Writer {
  constructor() { this.parts = []; }
  u8(v) { this.parts.push(Uint8Array.of(v)); return this; }
  u32(v) { const b = new Uint8Array(4); new DataView(b.buffer).setUint32(0, v, true); this.parts.push(b); return this; }
  u64(v) { const b = new Uint8Array(8); new DataView(b.buffer).setBigUint64(0, BigInt(v), true); this.parts.push(b); return this; }
  i64(v) { const b = new Uint8Array(8); new DataView(b.buffer).setBigInt64(0, BigInt(v), true); this.parts.push(b); return this; }
  bytes(b) { this.parts.push(Uint8Array.from(b)); return this; }
  key(a) { return this.bytes(typeof a === "string" ? keyBytes(a) : a); }
  done() { return Uint8Array.from(Buffer.concat(this.parts)); }
}

/** u256 as 32 bytes big-endian. */
export function u256be(value) {
  let v = BigInt(value);
  const out = new Uint8Array(32);
  for (let i = 31; i >= 0; i--) { out[i] = Number(v & 0xffn); v >>= 8n; }
  return out;
}
const be32 = (v) => u256be(v);

const u64le = (v) => new Writer().u64(v).done();
const u32le = (v) => new Writer().u32(v).done();

export async function pda(seeds, programId = PROGRAM_ID) {
  const [addr, bump] = await getProgramDerivedAddress({ programAddress: programId, seeds });
  return { address: addr, bump };
}
export const configPda = (p = PROGRAM_ID) => pda(["config"], p);
export const authorityPda = (p = PROGRAM_ID) => pda(["authority"], p);
export const poolPda = (mint, p = PROGRAM_ID) => pda(["pool", keyBytes(mint)], p);
export const vaultPda = (mint, p = PROGRAM_ID) => pda(["vault", keyBytes(mint)], p);
export const intentPda = (id, p = PROGRAM_ID) => pda(["intent", id], p);
export const receiptPda = (epoch, chunk, p = PROGRAM_ID) => pda(["receipt", u64le(epoch), u32le(chunk)], p);
export const paidPda = (sourceId, p = PROGRAM_ID) => pda(["paid", sourceId], p);
export const withdrawnPda = (leaf, p = PROGRAM_ID) => pda(["withdrawn", leaf], p);
export const claimPda = (owner, mint, p = PROGRAM_ID) => pda(["claim", keyBytes(owner), keyBytes(mint)], p);

/** keccak256(chainId BE32 | escrow (32 bytes) | nonce BE32). */
export function intentId(chainId, escrow, nonce) {
  const e = typeof escrow === "string" ? keyBytes(escrow) : escrow;
  return keccak256(Buffer.concat([be32(chainId), e, be32(nonce)]));
}

/** leaf = keccak256(abi.encode(uint64 chainId, uint64 epoch, uint8 kind, bytes32 id, bytes32 token, bytes32 account, uint256 amount)). */
export function leafHash({ chainId, epoch, kind, intentId: id, token, account, amount }) {
  const k = (x) => (x == null ? new Uint8Array(32) : typeof x === "string" ? keyBytes(x) : x);
  return keccak256(Buffer.concat([be32(chainId), be32(epoch), be32(kind), k(id), k(token), k(account), be32(amount)]));
}

const meta = (addr, role, signer) => (signer ? { address: signer.address, role, signer } : { address: addr, role });
const ro = (a) => meta(a, AccountRole.READONLY);
const w = (a) => meta(a, AccountRole.WRITABLE);
const ws = (s) => meta(null, AccountRole.WRITABLE_SIGNER, s);
const rs = (s) => meta(null, AccountRole.READONLY_SIGNER, s);
const ix = (accounts, data, programId) => ({ programAddress: programId, accounts, data });

export async function initializeIx({ admin, chainId, graceSeconds, activationDelaySeconds, threshold, signers, programId = PROGRAM_ID }) {
  const data = new Writer().u8(IX.initialize).u64(chainId).u64(graceSeconds).u64(activationDelaySeconds).u8(threshold).u8(signers.length);
  signers.forEach((s) => data.key(s));
  const config = await configPda(programId);
  return ix([ws(admin), w(config.address), ro(SYSTEM_PROGRAM)], data.done(), programId);
}

/** CreatePool registers a mint: the admin signs and pays. */
export async function createPoolIx({ admin, mint, programId = PROGRAM_ID }) {
  const [config, pool, vault, authority] = await Promise.all([configPda(programId), poolPda(mint, programId), vaultPda(mint, programId), authorityPda(programId)]);
  return ix([ws(admin), ro(config.address), ro(mint), w(pool.address), w(vault.address), ro(authority.address), ro(SYSTEM_PROGRAM), ro(TOKEN_PROGRAM)],
    new Writer().u8(IX.createPool).done(), programId);
}

/** Open; `nonce` and `chainId` must be the config's (read them with decodeConfig). */
export async function openIx({ depositor, sourceToken, mint, amount, destinationChainId, outputToken, minOutputAmount, recipient, fillDeadline, chainId, nonce, programId = PROGRAM_ID, overrides = {} }) {
  const id = intentId(chainId, programId, nonce);
  const [config, intent, pool, vault] = await Promise.all([configPda(programId), intentPda(id, programId), poolPda(mint, programId), vaultPda(mint, programId)]);
  const data = new Writer().u8(IX.open).key(mint).u64(amount).u64(destinationChainId).bytes(outputToken)
    .bytes(u256be(minOutputAmount)).bytes(recipient).i64(fillDeadline).done();
  const accounts = [ws(depositor), w(config.address), w(overrides.intent ?? intent.address), w(sourceToken),
    w(overrides.pool ?? pool.address), w(overrides.vault ?? vault.address), ro(overrides.system ?? SYSTEM_PROGRAM), ro(overrides.token ?? TOKEN_PROGRAM)];
  return { instruction: ix(accounts, data, programId), intentId: id, intent: intent.address };
}

const keyOrZero = (x) => (x == null ? new Uint8Array(32) : typeof x === "string" ? keyBytes(x) : x);

/**
 * Settle. actions: [{kind, intentId?, account?, amount?, ...accounts}]
 *   release: {intent, mint}; refund: {intent, mint, account (the depositor), to};
 *   payout: {mint, account (the recipient wallet), to}; withdraw: {mint, account, to}.
 * `to` is the destination token account; the claim PDA ["claim", account, mint] travels
 * with it (credited when `to` is undeliverable). A withdraw's marker PDA is keyed by its
 * leaf hash, so withdraws need `chainId` (the cluster's, from the config).
 * attestors: signers (the payer may be one of them).
 */
export async function settleIx({ payer, epoch, chunk, batchRoot, attestors, actions, chainId, programId = PROGRAM_ID, overrides = {} }) {
  const [config, receipt, authority] = await Promise.all([configPda(programId), receiptPda(epoch, chunk, programId), authorityPda(programId)]);
  const data = new Writer().u8(IX.settle).u64(epoch).u32(chunk).bytes(batchRoot).u8(attestors.length).u8(actions.length);
  const accounts = [ws(payer), ro(config.address), w(overrides.receipt ?? receipt.address), ro(overrides.authority ?? authority.address),
    ro(SYSTEM_PROGRAM), ro(overrides.token ?? TOKEN_PROGRAM), ...attestors.map((s) => (s.address === payer.address ? ws(s) : rs(s)))];
  for (const a of actions) {
    const id = a.intentId ?? new Uint8Array(32);
    const account = keyOrZero(a.account);
    data.u8(a.kind).bytes(id).bytes(account).u64(a.amount ?? 0);
    const pool = a.pool ?? (await poolPda(a.mint, programId)).address;
    const vault = a.vault ?? (await vaultPda(a.mint, programId)).address;
    if (a.kind === ACTION.release) { accounts.push(w(a.intent), w(pool)); continue; }
    const claim = a.claim ?? (await claimPda(keyFromBytes(account), a.mint, programId)).address;
    if (a.kind === ACTION.refund) accounts.push(w(a.intent), w(pool), w(vault), w(a.to), w(claim));
    else if (a.kind === ACTION.payout) accounts.push(w(a.marker ?? (await paidPda(id, programId)).address), w(pool), w(vault), w(a.to), w(claim));
    else {
      if (a.marker == null && chainId == null) throw new Error("settleIx: a withdraw needs chainId (its marker is keyed by the leaf hash)");
      const leaf = leafHash({ chainId, epoch, kind: ACTION.withdraw, intentId: id, token: a.mint, account, amount: a.amount ?? 0n });
      accounts.push(w(a.marker ?? (await withdrawnPda(leaf, programId)).address), w(pool), w(vault), w(a.to), w(claim));
    }
  }
  return ix(accounts, data.done(), programId);
}

export async function refundExpiredIx({ intent, mint, to, programId = PROGRAM_ID }) {
  const [config, pool, vault, authority] = await Promise.all([configPda(programId), poolPda(mint, programId), vaultPda(mint, programId), authorityPda(programId)]);
  return ix([ro(config.address), w(intent), w(pool.address), w(vault.address), w(to), ro(authority.address), ro(TOKEN_PROGRAM)],
    new Writer().u8(IX.refundExpired).done(), programId);
}

export async function fundIx({ funder, source, mint, amount, programId = PROGRAM_ID }) {
  const [pool, vault] = await Promise.all([poolPda(mint, programId), vaultPda(mint, programId)]);
  return ix([rs(funder), w(source), w(pool.address), w(vault.address), ro(TOKEN_PROGRAM)], new Writer().u8(IX.fund).u64(amount).done(), programId);
}

/** v1's admin SetSigners (tag 6): v2 refuses it (InvalidInstruction); kept to prove that. */
export async function setSignersIx({ admin, threshold, signers, programId = PROGRAM_ID }) {
  const data = new Writer().u8(IX.retiredSetSigners).u8(threshold).u8(signers.length);
  signers.forEach((s) => data.key(s));
  return ix([rs(admin), w((await configPda(programId)).address)], data.done(), programId);
}

export async function setPausedIx({ admin, paused, programId = PROGRAM_ID }) {
  return ix([rs(admin), w((await configPda(programId)).address)], new Writer().u8(IX.setPaused).u8(paused ? 1 : 0).done(), programId);
}

export async function setDestinationChainIx({ admin, chainId, enabled, programId = PROGRAM_ID }) {
  return ix([rs(admin), w((await configPda(programId)).address)], new Writer().u8(IX.setDestinationChain).u64(chainId).u8(enabled ? 1 : 0).done(), programId);
}

/** ProposeSigners: a threshold of the current attestors sign; takes effect after the config's delay. */
export async function proposeSignersIx({ attestors, threshold, signers, programId = PROGRAM_ID }) {
  const data = new Writer().u8(IX.proposeSigners).u8(threshold).u8(signers.length);
  signers.forEach((s) => data.key(s));
  return ix([w((await configPda(programId)).address), ...attestors.map((s) => rs(s))], data.done(), programId);
}

/** ActivateSigners: anyone, once the pending set's activation time has come. */
export async function activateSignersIx({ programId = PROGRAM_ID } = {}) {
  return ix([w((await configPda(programId)).address)], new Writer().u8(IX.activateSigners).done(), programId);
}

export async function proposeAdminIx({ admin, newAdmin, programId = PROGRAM_ID }) {
  return ix([rs(admin), w((await configPda(programId)).address)], new Writer().u8(IX.proposeAdmin).key(newAdmin).done(), programId);
}

export async function acceptAdminIx({ newAdmin, programId = PROGRAM_ID }) {
  return ix([rs(newAdmin), w((await configPda(programId)).address)], new Writer().u8(IX.acceptAdmin).done(), programId);
}

/** Claim: the claim's owner collects all of it to `to`, any token account of the mint. */
export async function claimIx({ owner, mint, to, programId = PROGRAM_ID }) {
  const [config, claim, pool, vault, authority] = await Promise.all([configPda(programId), claimPda(owner.address, mint, programId), poolPda(mint, programId), vaultPda(mint, programId), authorityPda(programId)]);
  return ix([rs(owner), ro(config.address), w(claim.address), w(pool.address), w(vault.address), w(to), ro(authority.address), ro(TOKEN_PROGRAM)],
    new Writer().u8(IX.claim).done(), programId);
}

// ---- decoders ----
const dv = (b) => new DataView(b.buffer, b.byteOffset, b.byteLength);

export function decodeConfig(data) {
  const v = dv(data);
  const n = data[6];
  return {
    paused: data[4] === 1, threshold: data[5], admin: keyFromBytes(data.slice(8, 40)),
    chainId: v.getBigUint64(40, true), nonce: v.getBigUint64(48, true), graceSeconds: v.getBigUint64(56, true),
    signers: Array.from({ length: n }, (_, i) => keyFromBytes(data.slice(96 + 32 * i, 128 + 32 * i))),
    destinationChains: Array.from({ length: data[7] }, (_, i) => v.getBigUint64(608 + 8 * i, true)),
    version: data[1], pendingAdmin: data.slice(736, 768).every((x) => x === 0) ? null : keyFromBytes(data.slice(736, 768)),
    activationDelaySeconds: v.getBigUint64(768, true), signerSetVersion: v.getBigUint64(776, true),
    pendingActivatesAt: v.getBigInt64(784, true), pendingThreshold: data[792],
    pendingSigners: Array.from({ length: data[793] }, (_, i) => keyFromBytes(data.slice(800 + 32 * i, 832 + 32 * i))),
  };
}
export function decodePool(data) {
  const v = dv(data);
  return { mint: keyFromBytes(data.slice(8, 40)), vault: keyFromBytes(data.slice(40, 72)), pool: v.getBigUint64(72, true), escrowed: v.getBigUint64(80, true), claims: v.getBigUint64(88, true) };
}
export function decodeClaim(data) {
  return { owner: keyFromBytes(data.slice(8, 40)), mint: keyFromBytes(data.slice(40, 72)), amount: dv(data).getBigUint64(72, true) };
}
export function decodeIntent(data) {
  const v = dv(data);
  return {
    status: data[1], intentId: data.slice(8, 40), nonce: v.getBigUint64(40, true), depositor: keyFromBytes(data.slice(48, 80)),
    mint: keyFromBytes(data.slice(80, 112)), amount: v.getBigUint64(112, true), destinationChainId: v.getBigUint64(120, true),
    deadline: v.getBigInt64(224, true),
  };
}
export function decodeReceipt(data) {
  const v = dv(data);
  return { epoch: v.getBigUint64(8, true), chunk: v.getUint32(16, true), count: v.getUint32(20, true), chunkHash: data.slice(24, 56), batchRoot: data.slice(56, 88) };
}

/** Decodes a `Program data:` payload (base64) into an event object. */
export function decodeEvent(b64) {
  const b = Uint8Array.from(Buffer.from(b64, "base64"));
  const v = dv(b);
  let o = 1;
  const key = () => { const k = b.slice(o, o + 32); o += 32; return k; };
  const u64 = () => { const x = v.getBigUint64(o, true); o += 8; return x; };
  const u32 = () => { const x = v.getUint32(o, true); o += 4; return x; };
  const u8 = () => b[o++];
  switch (b[0]) {
    case 1: return { name: "IntentOpened", intentId: key(), nonce: u64(), depositor: keyFromBytes(key()), inputMint: keyFromBytes(key()), inputAmount: u64(), destinationChainId: u64(), outputToken: key(), minOutputAmount: key(), recipient: key(), fillDeadline: u64(), originChainId: u64(), size: b.length };
    case 2: return { name: "IntentReleased", intentId: key(), inputMint: keyFromBytes(key()), inputAmount: u64(), epoch: u64(), size: b.length };
    case 3: return { name: "IntentRefunded", intentId: key(), depositor: keyFromBytes(key()), inputMint: keyFromBytes(key()), inputAmount: u64(), epoch: u64(), reason: u8(), size: b.length };
    case 4: return { name: "PayoutMade", sourceIntentId: key(), mint: keyFromBytes(key()), recipient: keyFromBytes(key()), recipientToken: keyFromBytes(key()), amount: u64(), epoch: u64(), size: b.length };
    case 5: return { name: "Withdrawn", mint: keyFromBytes(key()), to: keyFromBytes(key()), toToken: keyFromBytes(key()), amount: u64(), epoch: u64(), size: b.length };
    case 6: return { name: "LegApplied", epoch: u64(), chunk: u32(), chunkHash: key(), batchRoot: key(), actionCount: u32(), size: b.length };
    case 7: return { name: "PoolFunded", mint: keyFromBytes(key()), funder: keyFromBytes(key()), amount: u64(), poolAfter: u64(), size: b.length };
    case 8: return { name: "ConfigChanged", kind: u8(), threshold: u8(), signerCount: u8(), paused: u8(), value: u64(), size: b.length };
    case 9: return { name: "ClaimCreated", owner: keyFromBytes(key()), mint: keyFromBytes(key()), amount: u64(), claimTotal: u64(), kind: u8(), intentId: key(), epoch: u64(), destination: keyFromBytes(key()), size: b.length };
    case 10: return { name: "Claimed", owner: keyFromBytes(key()), mint: keyFromBytes(key()), destination: keyFromBytes(key()), amount: u64(), size: b.length };
    case 11: case 12: {
      const name = b[0] === 11 ? "SignerSetProposed" : "SignerSetActivated";
      const version = u64(), at = v.getBigInt64(o, true); o += 8;
      const threshold = u8(), n = u8();
      return { name, version, at, threshold, signers: Array.from({ length: n }, () => keyFromBytes(key())), size: b.length };
    }
    case 13: return { name: "AdminChanged", kind: u8(), admin: keyFromBytes(key()), pendingAdmin: keyFromBytes(key()), size: b.length };
    case 14: return { name: "MintRegistered", mint: keyFromBytes(key()), pool: keyFromBytes(key()), vault: keyFromBytes(key()), size: b.length };
    case 15: return { name: "SelfTransferSkipped", kind: u8(), ref: key(), mint: keyFromBytes(key()), amount: u64(), epoch: u64(), size: b.length };
    default: return { name: "Unknown", tag: b[0], size: b.length };
  }
}

/** Events from a transaction's log lines. */
export const eventsFromLogs = (logs) => logs.filter((l) => l.startsWith("Program data: ")).map((l) => decodeEvent(l.slice(14)));
